using BillingFunctions.Contract.Http;
using BillingFunctions.Core.Identity;

namespace BillingFunctions.Contract.Requests;

/// <summary>
/// What each request-body field may hold, as the problem detail a wrong value gets: the same text whether the
/// serializer refused the JSON type or the write's own check refused the value, so the caller learns what is allowed.
/// </summary>
public static class BodyFields
{
    public const int MaxLowBalanceWarningSeconds = 30 * 24 * 3600;
    public const int MaxExpiresInSeconds = 365 * 24 * 3600;

    private static readonly HashSet<string> Ids = ["holdId", "operationId", "transferId", "from", "to", "userId", "basketId"];

    /// <summary>The detail for a wrong value of <paramref name="field"/>; null for a field no body has.</summary>
    public static string? Describe(string field) => field switch
    {
        "amount" => $"'amount' must be a decimal string such as {MoneyJsonConverter.Example}.",
        "ratePerSecond" => $"'ratePerSecond' must be a decimal string such as {RateJsonConverter.Example}.",
        "currency" => "'currency' must be a three-letter upper-case code such as \"USD\".",
        "cutoffUrl" => CallbackUrls.Shape,
        "lowBalanceWarningSeconds" => WholeNumber(field, MaxLowBalanceWarningSeconds),
        "expiresInSeconds" => WholeNumber(field, MaxExpiresInSeconds),
        _ when Ids.Contains(field) => Identifiers.Describe(field),
        _ => null,
    };

    private static string WholeNumber(string field, int max) => $"'{field}' must be a whole number from 1 to {max}.";
}
