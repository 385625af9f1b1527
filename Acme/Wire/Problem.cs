using System.Text.Json.Serialization;
using Concorde.Acme.Problems;

namespace Concorde.Acme.Wire;

/// <summary>A problem document (RFC 7807, RFC 8555 §6.7), including subproblems (§6.7.1).</summary>
public sealed record Problem : IJsonOnDeserialized
{
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("title")] public string? Title { get; init; }
    [JsonPropertyName("detail")] public string? Detail { get; init; }
    [JsonPropertyName("status")] public int? Status { get; init; }
    [JsonPropertyName("instance")] public string? Instance { get; init; }
    [JsonPropertyName("identifier")] public Identifier? Identifier { get; init; }
    [JsonPropertyName("subproblems")] public IReadOnlyList<Problem>? Subproblems { get; init; }

    void IJsonOnDeserialized.OnDeserialized() => WireList.RequireElements(Subproblems, "subproblems");

    [JsonIgnore] public ProblemKind Kind => ProblemTypes.Parse(Type);

    /// <summary>One line: type, detail and the identifier it concerns, escaped and bounded (<see cref="ServerText.Detail"/>).</summary>
    public override string ToString()
    {
        var text = (Type, Detail) switch
        {
            ({ } type, { Length: > 0 } detail) => $"{type}: {detail}",
            ({ } type, _) => type,
            (null, { Length: > 0 } detail) => detail,
            _ => "the server reported a problem without type or detail",
        };
        return ServerText.Detail(Identifier is null ? text : $"{text} ({Identifier})");
    }
}
