using System.Text.Json;
using System.Text.Json.Serialization;
using Concorde.Acme.Wire;

namespace Concorde.Acme;

/// <summary>The only JSON type information the ACME layer uses; reflection is switched off. A server's JSON null
/// where a record requires a value (a non-nullable member, a constructor parameter) and a missing constructor
/// parameter are malformed JSON, refused where the answer is read, never a null a caller trips over later.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    PropertyNameCaseInsensitive = false,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(AcmeDirectory))]
[JsonSerializable(typeof(Account))]
[JsonSerializable(typeof(NewAccountPayload))]
[JsonSerializable(typeof(AccountUpdatePayload))]
[JsonSerializable(typeof(KeyChangePayload))]
[JsonSerializable(typeof(StatusPayload))]
[JsonSerializable(typeof(Order))]
[JsonSerializable(typeof(NewOrderPayload))]
[JsonSerializable(typeof(FinalizePayload))]
[JsonSerializable(typeof(Authorization))]
[JsonSerializable(typeof(Challenge))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(RenewalInfo))]
[JsonSerializable(typeof(JwsMessage))]
[JsonSerializable(typeof(RevocationPayload))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class AcmeJsonContext : JsonSerializerContext;
