using Concorde.Acme.Crypto;
using Concorde.Acme.Keys;

namespace Concorde.Cli;

/// <summary>`keys create` (alias `key create`).</summary>
internal static class KeyCommands
{
    /// <summary>A new P-384 key as PKCS#8 PEM, mode 0600 from creation; an existing file is never replaced.</summary>
    public static async Task<int> CreateAsync(LeafArguments args, CliContext context)
    {
        var path = args.Exactly("<path>")[0];
        using var key = KeyCurve.Generate();
        await KeyFile.SaveAsync(path, key, context.Cancellation);
        context.Printer.Note($"wrote a new P-384 private key to {path}");
        return ExitCodes.Success;
    }
}
