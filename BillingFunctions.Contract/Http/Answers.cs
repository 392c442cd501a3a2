using BillingFunctions.Core.Identity;

namespace BillingFunctions.Contract.Http;

/// <summary>Turns write answers into HTTP responses, and reads the operation id, route ids and paging of a request.</summary>
public static class Answers
{
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>A write's answer as an HTTP response: the stored (or replayed) bytes, or the problem for a rejection.</summary>
    public static IResult ToResult(WriteResult result) => result switch
    {
        Written written => new WrittenResult(written),
        Refused refused => Problems.For(refused.Rejection),
        _ => throw new InvalidOperationException($"Unknown write result {result}."),
    };

    /// <summary>
    /// The operation id from the Idempotency-Key header or the body's id field (they must agree when both are
    /// given). Null when neither is: the write is then applied once, without replay protection.
    /// </summary>
    public static bool TryOperationId(HttpRequest request, string? fromBody, string field, out string? operationId, out IResult? problem)
    {
        operationId = null;
        if (!TryId(fromBody, field, out problem))
            return false;
        var fromHeader = request.Headers[IdempotencyKeyHeader].ToString();
        if (fromHeader.Length == 0)
        {
            operationId = fromBody;
            return true;
        }
        operationId = fromHeader;
        if (!Identifiers.IsValid(fromHeader))
            problem = Problems.Validation(Identifiers.Describe(IdempotencyKeyHeader));
        else if (fromBody is not null && fromBody != fromHeader)
            problem = Problems.Validation($"The {IdempotencyKeyHeader} header and '{field}' disagree.");
        return problem is null;
    }

    /// <summary>An id from the body: absent (null) is fine here; the body type says whether it is required.</summary>
    public static bool TryId(string? id, string name, out IResult? problem)
    {
        problem = id is null || Identifiers.IsValid(id) ? null : Problems.Validation(Identifiers.Describe(name));
        return problem is null;
    }

    public static bool TryRouteId(string id, string name, out IResult? problem)
    {
        problem = Identifiers.IsValid(id) ? null : Problems.Validation(Identifiers.Describe(name));
        return problem is null;
    }

    public static bool TryPaging(HttpRequest request, out long after, out int limit, out IResult? problem)
    {
        after = 0;
        limit = 100;
        problem = null;
        var afterText = request.Query["after"].ToString();
        var limitText = request.Query["limit"].ToString();
        if (afterText.Length > 0 && (!long.TryParse(afterText, System.Globalization.NumberStyles.None, null, out after)))
            problem = Problems.Validation("'after' must be a non-negative whole number (a sequence from an earlier page).");
        else if (limitText.Length > 0 && (!int.TryParse(limitText, System.Globalization.NumberStyles.None, null, out limit) || limit is < 1 or > 1000))
            problem = Problems.Validation("'limit' must be a whole number from 1 to 1000.");
        return problem is null;
    }

    private sealed class WrittenResult(Written written) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            if (written.Replayed)
                httpContext.Response.Headers[ReplayedHeader] = "true";
            httpContext.Response.StatusCode = written.Status;
            httpContext.Response.ContentType = "application/json; charset=utf-8";
            return httpContext.Response.WriteAsync(written.Body);
        }
    }
}
