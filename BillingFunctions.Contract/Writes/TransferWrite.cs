namespace BillingFunctions.Contract.Writes;

/// <summary>A transfer as requested over HTTP: both accounts, the amount (micro-units) and the caller's transfer id.</summary>
public sealed record TransferWrite(string TransferId, string From, string To, long Amount)
{
    /// <summary>The request's identity for replays: the same transfer id with another fingerprint is a conflict.</summary>
    public string Fingerprint => $"{From}>{To}:{Amount}";
}
