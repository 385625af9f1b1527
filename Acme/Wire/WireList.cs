using System.Text.Json;

namespace Concorde.Acme.Wire;

/// <summary>The nullable annotations the JSON context respects reach a member, not the elements of its list: a
/// server's `[null]` is refused here (from <see cref="System.Text.Json.Serialization.IJsonOnDeserialized"/>), as
/// malformed JSON, like a null member.</summary>
internal static class WireList
{
    public static void RequireElements<T>(IEnumerable<T>? list, string member)
    {
        if (list is not null && list.Any(element => element is null))
            throw new JsonException($"the list \"{member}\" holds a null");
    }
}
