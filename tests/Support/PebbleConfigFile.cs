using System.Buffers;
using System.Text.Json;

namespace Concorde.Tests.Support;

/// <summary>Pebble's JSON configuration: its listeners on loopback, its TLS certificate, the validation ports and
/// the external account binding settings of <see cref="PebbleOptions"/>.</summary>
internal static class PebbleConfigFile
{
    public static byte[] Build(
        PebbleOptions options, TestCertificateAuthority authority, int acme, int management, int http01, int tlsAlpn01)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("pebble");
            writer.WriteString("listenAddress", $"127.0.0.1:{acme}");
            writer.WriteString("managementListenAddress", $"127.0.0.1:{management}");
            writer.WriteString("certificate", authority.LeafCertificatePemPath);
            writer.WriteString("privateKey", authority.LeafKeyPemPath);
            writer.WriteNumber("httpPort", http01);
            writer.WriteNumber("tlsPort", tlsAlpn01);
            writer.WriteString("ocspResponderURL", "");
            writer.WriteBoolean("externalAccountBindingRequired", options.RequireExternalAccountBinding);
            writer.WriteStartObject("externalAccountMACKeys");
            foreach (var (kid, key) in options.ExternalAccountMacKeys)
            {
                writer.WriteString(kid, key);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
