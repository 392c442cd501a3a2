using BillingFunctions.Core.Identity;
using BillingFunctions.Server.Engine;

namespace BillingFunctions.Server.Api;

/// <summary>Turns engine answers into HTTP responses, and resolves the operation id of a write.</summary>
public static class Answers
{
    public const string ReplayedHeader = "Idempotent-Replayed";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static Task<IResult> From(Func<Task<WriteResult>> write) => From(write, result => result switch
    {
        Written written => new WrittenResult(written),
        Refused refused => Problems.For(refused.Rejection),
        _ => throw new InvalidOperationException($"Unknown write result {result}."),
    });

    /// <summary>Runs a write and answers with what it returned, or with the problem for an overload or a failed store.</summary>
    public static async Task<IResult> From<T>(Func<Task<T>> write, Func<T, IResult> answer)
    {
        T result;
        try
        {
            result = await write();
        }
        catch (OverloadedException)
        {
            return Problems.Overloaded();
        }
        catch (StorageUnavailableException e)
        {
            return e.OwnershipLost ? Problems.NotOwner() : e.DiskFull ? Problems.StorageFull() : Problems.StorageUnavailable();
        }
        return answer(result);
    }

    /// <summary>
    /// The operation id from the Idempotency-Key header or the body's id field (they must agree when both are
    /// given). Null when neither is: the write is then applied once, without replay protection.
    /// </summary>
    public static bool TryOperationId(HttpRequest request, JsonBody body, string field, out string? operationId, out IResult? problem)
    {
        if (!body.TryId(field, required: false, out var fromBody, out problem))
        {
            operationId = null;
            return false;
        }
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
