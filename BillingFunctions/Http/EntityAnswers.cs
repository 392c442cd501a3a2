using BillingFunctions.Accounts;
using Microsoft.AspNetCore.Http;

namespace BillingFunctions.Http;

/// <summary>Entity answers to HTTP responses through the self-hosted server's one mapping (status, body, replay header, problems).</summary>
public static class EntityAnswers
{
    public static Task<IResult> ToResult(EntityAnswer answer) => Task.FromResult(Answers.ToResult(
        answer.Rejection is { } rejection ? new Refused(rejection) : new Written(answer.Status, answer.Body!, answer.Replayed)));

    /// <summary>The write did not answer in time. It may still be applied: retrying with the same operation id is safe.</summary>
    public static IResult Pending() => new RetryLater(Results.Problem(
        detail: "The write was accepted but has not answered yet; retry with the same operation id to get its result.",
        statusCode: StatusCodes.Status503ServiceUnavailable, title: "Write still in progress", type: Problems.TypePrefix + "write-pending"));

    private sealed class RetryLater(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.RetryAfter = "1";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
