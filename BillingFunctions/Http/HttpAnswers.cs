using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace BillingFunctions.Http;

/// <summary>
/// The edge of every HTTP function: the API key check (when one is configured), then the handler. The Functions ASP.NET
/// Core integration executes <see cref="IActionResult"/> return values, not minimal-API <see cref="IResult"/>s, so the
/// shared problem details and responses are wrapped once here.
/// </summary>
public static class HttpAnswers
{
    public static async Task<IActionResult> Guarded(HttpRequest request, BillingSettings settings, Func<Task<IResult>> handle)
    {
        if (settings.ApiKey is { } key && !CryptographicOperations.FixedTimeEquals(
                Encoding.UTF8.GetBytes(request.Headers["X-Api-Key"].ToString()), Encoding.UTF8.GetBytes(key)))
            return new Action(Problems.Unauthorized());
        return new Action(await handle());
    }

    /// <summary>Runs a shared <see cref="IResult"/> as an MVC action result.</summary>
    public sealed class Action(IResult result) : IActionResult
    {
        public IResult Result { get; } = result;

        public Task ExecuteResultAsync(ActionContext context) => Result.ExecuteAsync(context.HttpContext);
    }
}
