namespace Concorde.Tests.Faults;

/// <summary>Path prefixes of Pebble's resources (its wfe.go), for aiming a <see cref="FaultRule"/> at one kind of
/// request. <see cref="FaultProxyTests"/> checks them against a real issuance.</summary>
internal static class PebblePaths
{
    public const string Directory = "/dir";
    public const string NewNonce = "/nonce-plz";
    public const string NewAccount = "/sign-me-up";
    public const string NewOrder = "/order-plz";
    public const string Order = "/my-order/";
    public const string Authorization = "/authZ/";
    public const string Challenge = "/chalZ/";
    public const string Finalize = "/finalize-order/";
    public const string Certificate = "/certZ/";
}
