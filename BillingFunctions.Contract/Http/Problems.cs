using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Contract.Http;

/// <summary>The one mapping from failures to RFC 9457 problem details: a stable <c>type</c> per kind.</summary>
public static class Problems
{
    public const string TypePrefix = "urn:billing:problem:";

    public static IResult For(Rejection rejection) => rejection.Kind switch
    {
        RejectionKind.Validation => Validation(rejection.Detail),
        RejectionKind.NotFound => Problem(404, "not-found", "Not found", rejection.Detail),
        RejectionKind.InsufficientFunds => Problem(409, "insufficient-funds", "Insufficient funds", rejection.Detail),
        RejectionKind.CurrencyMismatch => Problem(409, "currency-mismatch", "Currency mismatch", rejection.Detail),
        RejectionKind.HoldState => Problem(409, "hold-state", "Hold is not in a state that allows this", rejection.Detail),
        RejectionKind.AccountExists => Problem(409, "account-exists", "Account exists with other settings", rejection.Detail),
        RejectionKind.IdempotencyConflict => Problem(409, "idempotency-conflict", "Operation id reused", rejection.Detail),
        RejectionKind.BasketPaid => Problem(409, "basket-paid", "Basket already paid", rejection.Detail),
        RejectionKind.OrderPending => Problem(409, "order-pending", "Another order is pending for this basket", rejection.Detail),
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection.Kind, "Unmapped rejection kind."),
    };

    public static IResult Validation(string detail) => Problem(400, "validation", "Invalid request", detail);

    public static IResult MalformedJson(string detail) => Problem(400, "malformed-json", "Body is not valid JSON", detail);

    public static IResult UnsupportedMediaType() =>
        Problem(415, "unsupported-media-type", "Unsupported media type", "Send the body as application/json.");

    public static IResult TooLarge(long limit) =>
        Problem(413, "payload-too-large", "Body too large", $"Request bodies are limited to {limit} bytes.");

    public static IResult Unauthorized() =>
        Problem(401, "unauthorized", "Missing or wrong API key", "Send the configured key in the X-Api-Key header.");

    public static IResult Overloaded() =>
        Problem(503, "overloaded", "Too many writes in flight", "Retry after the delay in Retry-After.", retryAfterSeconds: 1);

    public static IResult StorageUnavailable() =>
        Problem(503, "storage-unavailable", "The store could not commit", "Nothing was applied; retry with the same operation id.", retryAfterSeconds: 5);

    public static IResult StorageFull() =>
        Problem(507, "storage-full", "The disk is full", "Nothing was applied; retry with the same operation id once the operator has freed space.",
            retryAfterSeconds: 30);

    public static IResult ProjectionBehind() =>
        Problem(503, "projection-behind", "The database is behind the commit log", "Every acknowledged write is safe in the commit log, "
            + "but the database it is written into is not keeping up (a lock, a read-only file or a full disk). This request was not "
            + "served; retry after the delay in Retry-After, a write with the same operation id.", retryAfterSeconds: 1);

    public static IResult NotOwner() =>
        Problem(503, "not-owner", "This server no longer owns its data", "Another server process has taken over the data directory; "
            + "nothing was applied here and nothing will be. Retry with the same operation id at the server that owns it.", retryAfterSeconds: 5);

    public static IResult ShuttingDown() =>
        Problem(503, "shutting-down", "The server is shutting down", "Nothing was applied; retry with the same operation id (after "
            + "Retry-After, at the server that takes over).", retryAfterSeconds: 1);

    public static IResult Internal() =>
        Problem(500, "internal", "Internal error", "An unexpected error occurred; it has been logged.");

    private static IResult Problem(int status, string kind, string title, string detail, int? retryAfterSeconds = null)
    {
        var problem = Results.Problem(detail: detail, statusCode: status, title: title, type: TypePrefix + kind);
        return retryAfterSeconds is { } seconds ? new WithRetryAfter(problem, seconds) : problem;
    }

    private sealed class WithRetryAfter(IResult inner, int seconds) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = seconds.ToString();
            return inner.ExecuteAsync(httpContext);
        }
    }
}
