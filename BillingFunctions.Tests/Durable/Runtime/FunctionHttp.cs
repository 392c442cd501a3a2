using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>What an HTTP function answered: status, body and headers, as the response the host would send.</summary>
public sealed record HttpAnswer(int Status, string Body, IHeaderDictionary Headers)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    public string? Str(string property) => Json.GetProperty(property).GetString();

    public string ProblemType => Json.GetProperty("type").GetString()!;

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// Calls an app's HTTP function with real ASP.NET Core request and response objects, the ones the Functions ASP.NET
/// Core integration hands to an HTTP trigger: the function class is created from a fresh service scope per call (as the
/// worker creates it), and its <see cref="IActionResult"/> is executed into the response.
/// </summary>
public static class FunctionHttp
{
    /// <summary>Gives a request a JSON body (as a client sends it) and an Idempotency-Key header, each when given.</summary>
    public static void WriteRequest(HttpRequest request, string? json, string? idempotencyKey)
    {
        if (json is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(json);
            request.Body = new MemoryStream(bytes);
            request.ContentLength = bytes.Length;
            request.ContentType = "application/json";
        }
        if (idempotencyKey is not null)
            request.Headers["Idempotency-Key"] = idempotencyKey;
    }

    public static async Task<HttpAnswer> CallAsync<TFunctions>(IServiceProvider services, Func<TFunctions, HttpRequest, Task<IActionResult>> function,
        string method, string? json = null, string? idempotencyKey = null) where TFunctions : class
    {
        await using var scope = services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Method = method;
        context.Response.Body = new MemoryStream();
        WriteRequest(context.Request, json, idempotencyKey);

        var functions = ActivatorUtilities.CreateInstance<TFunctions>(scope.ServiceProvider);
        var result = await function(functions, context.Request);
        await result.ExecuteResultAsync(new ActionContext(context, new RouteData(), new ActionDescriptor()));
        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        return new HttpAnswer(context.Response.StatusCode, body, context.Response.Headers);
    }
}
