namespace Concorde.Shaman;

/// <summary>Everything shaman.json records for one domain, read at once (<see cref="DomainState.Snapshot"/>): the key
/// file, the order or certificate at the CA, the failure record, the certificate the next order replaces, the ARI
/// schedule, whether the certificate on disk still owes its deploy or was seen served, and whether it is a previous
/// CA's (then it is replaced, never adopted).</summary>
public sealed record DomainRecord(
    string? KeyFile,
    string? OrderId,
    string? CertificateId,
    FailureRecord Failure,
    string? Replaces,
    RenewalInfoRecord? RenewalInfo,
    bool DeployPending,
    bool? ServedOk,
    bool FromPreviousServer = false)
{
    public static readonly DomainRecord New = new(null, null, null, FailureRecord.None, null, null, false, null);
}
