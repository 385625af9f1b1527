namespace Concorde.Tests.Support;

/// <summary>base64url as RFC 7515 Appendix C writes it out: the tests decode what the library encoded (and encode
/// what they compare with) without the library's own codec, so a codec bug cannot agree with itself.</summary>
public static class RfcBase64Url
{
    public static byte[] Decode(string text)
    {
        var standard = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(standard.PadRight(standard.Length + (4 - standard.Length % 4) % 4, '='));
    }

    public static string Encode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
