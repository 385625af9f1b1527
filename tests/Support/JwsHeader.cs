using System.Text.Json;
using Concorde.Acme.Wire;

namespace Concorde.Tests.Support;

/// <summary>The protected header of a JWS the library signed, decoded for assertions.</summary>
public static class JwsHeader
{
    public static JsonElement Of(JwsMessage jws)
    {
        using var document = JsonDocument.Parse(RfcBase64Url.Decode(jws.Protected));
        return document.RootElement.Clone();
    }
}
