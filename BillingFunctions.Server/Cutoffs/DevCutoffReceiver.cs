using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using BillingFunctions.Server.Cutoffs;

namespace BillingFunctions.Server.Cutoffs;

/// <summary>
/// A stand-in for the platform in development: records the cut-off calls it receives and lists them,
/// so a new user can watch a cut-off happen with no other set-up. Off unless Billing:DevReceiver is true.
/// </summary>
public sealed class DevCutoffReceiver(BillingOptions options, TimeProvider clock)
{
    public const string Path = "/dev/cutoffs";
    private const int Capacity = 10_000;
    private readonly ConcurrentQueue<ReceivedCutoff> _received = new();

    public void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(Path, (HttpRequest request) =>
        {
            var headers = request.Headers;
            var accountId = request.Query["userId"].ToString();
            var secret = options.WebhookSecret;
            _received.Enqueue(new ReceivedCutoff(accountId, headers[CutoffSignature.EventIdHeader].ToString(),
                headers[CutoffSignature.AttemptHeader].ToString(),
                string.IsNullOrEmpty(secret) ? null : CutoffSignature.Verify(secret, headers[CutoffSignature.TimestampHeader],
                    headers[CutoffSignature.EventIdHeader], accountId, headers[CutoffSignature.SignatureHeader]),
                clock.GetUtcNow().UtcDateTime.ToString("O")));
            while (_received.Count > Capacity && _received.TryDequeue(out _)) { }
            return Results.Ok();
        }).ExcludeFromDescription();
        app.MapGet(Path + "/received", () => Results.Json(_received.ToArray())).ExcludeFromDescription();
    }

    /// <summary>One call as received; the account id is listed as <c>userId</c>, the query parameter it came in.</summary>
    public sealed record ReceivedCutoff([property: JsonPropertyName("userId")] string AccountId, string EventId, string Attempt,
        bool? SignatureValid, string ReceivedAt);
}
