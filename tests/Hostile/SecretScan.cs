using System.Security.Cryptography;
using Concorde.Tests.Support;
using Xunit;

namespace Concorde.Tests.Hostile;

/// <summary>Secrets in every form they could leak in, and a check that a text holds none of them: the base64 body
/// of each private key PEM (whole and line by line), its PKCS#8 DER in base64url, the private scalar in base64url
/// (a JWK's "d") and hex, an EAB MAC key as given, decoded and re-encoded; plus the marks of a JWS body.</summary>
internal sealed class SecretScan
{
    /// <summary>A JWS in flattened JSON, and the base64url of a protected header ("{\"alg\"").</summary>
    private static readonly string[] JwsMarks = ["\"protected\"", "\"signature\"", "\"payload\"", "eyJhbGci"];

    /// <summary>Shorter fragments could occur by chance (the last line of a PEM body is often short).</summary>
    private const int ShortestFragment = 16;

    private readonly List<(string What, string Value)> _secrets = [];

    public int Count => _secrets.Count;

    /// <summary>Every form of the private key in the PEM file at <paramref name="path"/>.</summary>
    public void AddKeyFile(string path)
    {
        var pem = File.ReadAllText(path);
        var fields = PemEncoding.Find(pem);
        var body = pem[fields.Base64Data];
        var name = Path.GetFileName(path);
        Add($"{name} PEM body", string.Concat(body.Where(c => !char.IsWhiteSpace(c))));
        foreach (var (line, i) in body.Split('\n').Select((l, i) => (l.Trim(), i)))
            Add($"{name} PEM line {i + 1}", line);
        var der = Convert.FromBase64String(string.Concat(body.Where(c => !char.IsWhiteSpace(c))));
        Add($"{name} PKCS#8 base64url", RfcBase64Url.Encode(der));
        using var key = ECDsa.Create();
        key.ImportFromPem(pem);
        var d = key.ExportParameters(includePrivateParameters: true).D!;
        Add($"{name} private scalar base64url", RfcBase64Url.Encode(d));
        Add($"{name} private scalar base64", Convert.ToBase64String(d));
        Add($"{name} private scalar hex", Convert.ToHexString(d));
        Add($"{name} private scalar hex", Convert.ToHexStringLower(d));
    }

    /// <summary>An EAB MAC key as the CA hands it out (base64url), and its bytes in other spellings.</summary>
    public void AddMacKey(string base64Url)
    {
        Add("EAB MAC key", base64Url);
        var bytes = RfcBase64Url.Decode(base64Url);
        Add("EAB MAC key base64", Convert.ToBase64String(bytes).TrimEnd('='));
        Add("EAB MAC key hex", Convert.ToHexString(bytes));
        Add("EAB MAC key hex", Convert.ToHexStringLower(bytes));
    }

    public void Add(string what, string value)
    {
        if (value.Length >= ShortestFragment) _secrets.Add((what, value));
    }

    /// <summary>Fails naming the secret found and where. <paramref name="serverObjects"/>: the text is an ACME
    /// object printed as the server sent it, which may hold a JWS of the server's own (an account's
    /// "externalAccountBinding"); only the secrets are looked for then.</summary>
    public void AssertAbsentFrom(string where, string text, bool serverObjects = false)
    {
        Assert.True(_secrets.Count > 0, "nothing to look for");
        foreach (var (what, value) in _secrets)
            Assert.False(text.Contains(value, StringComparison.Ordinal), $"{where} contains the {what}");
        if (serverObjects) return;
        foreach (var mark in JwsMarks)
            Assert.False(text.Contains(mark, StringComparison.Ordinal), $"{where} contains a JWS body ({mark})");
    }

}
