using System.Security.Cryptography;
using System.Text;

namespace BillingFunctions.Contract.Webhooks;

/// <summary>
/// The webhook signature: <c>X-Billing-Signature: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{eventId}.{userId}"))</c>.
/// The receiver recomputes it from the headers and the query string and compares in constant time. <c>userId</c> is the
/// account id under the name the platform gives it, in the query string and in the signed text alike.
/// </summary>
public static class CutoffSignature
{
    public const string EventIdHeader = "X-Billing-Event-Id";
    public const string TimestampHeader = "X-Billing-Timestamp";
    public const string SignatureHeader = "X-Billing-Signature";
    public const string AttemptHeader = "X-Billing-Attempt";

    public static string Compute(string secret, long unixSeconds, string eventId, string accountId)
    {
        var message = Encoding.UTF8.GetBytes($"{unixSeconds}.{eventId}.{accountId}");
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
        return "sha256=" + Convert.ToHexStringLower(mac);
    }

    public static bool Verify(string secret, string? timestamp, string? eventId, string? accountId, string? signature)
    {
        if (!long.TryParse(timestamp, out var seconds) || eventId is null || accountId is null || signature is null)
            return false;
        var expected = Encoding.ASCII.GetBytes(Compute(secret, seconds, eventId, accountId));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    /// <summary>
    /// One cut-off attempt as both hosts send it: <c>GET {url}?userId=…</c> with the event id, the timestamp, the attempt
    /// number and, when a secret is configured, the signature.
    /// </summary>
    public static HttpRequestMessage Request(string cutoffUrl, string eventId, string accountId, long unixSeconds, int attempt, string? secret)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, Target(cutoffUrl, accountId));
        request.Headers.Add(EventIdHeader, eventId);
        request.Headers.Add(TimestampHeader, unixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(AttemptHeader, attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (secret is not null)
            request.Headers.Add(SignatureHeader, Compute(secret, unixSeconds, eventId, accountId));
        return request;
    }

    /// <summary>The URL called: the configured one with the account id added to its query string as <c>userId</c>.</summary>
    public static string Target(string cutoffUrl, string accountId) =>
        $"{cutoffUrl}{(cutoffUrl.Contains('?') ? '&' : '?')}userId={Uri.EscapeDataString(accountId)}";
}
