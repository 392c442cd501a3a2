using System.Text;
using System.Text.Json;
using BillingFunctions.Core.Accounts;
using BillingFunctions;
using BillingFunctions.Accounts;
using BillingFunctions.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Abstractions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Functions;

/// <summary>
/// HTTP requests to entity writes and entity answers to HTTP responses, with real ASP.NET Core request and response
/// objects (the ones the Functions ASP.NET Core integration hands to the triggers).
/// </summary>
public class HttpMappingTests
{
    private static readonly BillingSettings Settings = new("USD", null, "secret", ["localhost"], [], null, 604800, 30, 5, null, null, null, null);

    private static HttpRequest Request(string? json, string? idempotencyKey = null)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        Durable.Runtime.FunctionHttp.WriteRequest(context.Request, json, idempotencyKey);
        return context.Request;
    }

    private static async Task<(int Status, string ContentType, JsonElement Body, HttpResponse Response)> Execute(IActionResult action, HttpRequest request)
    {
        await action.ExecuteResultAsync(new ActionContext(request.HttpContext, new RouteData(), new ActionDescriptor()));
        var response = request.HttpContext.Response;
        response.Body.Position = 0;
        var text = await new StreamReader(response.Body).ReadToEndAsync();
        return (response.StatusCode, response.ContentType ?? "", JsonDocument.Parse(text).RootElement.Clone(), response);
    }

    private static Task<(int Status, string ContentType, JsonElement Body, HttpResponse Response)> Execute(IResult result, HttpRequest request) =>
        Execute(new HttpAnswers.Action(result), request);

    [Fact]
    public async Task A_credit_becomes_an_entity_write_with_the_servers_fingerprint()
    {
        var (write, problem) = await WriteRequests.Move(Request("""{"amount":"12.5"}""", "topup-1"), "alice", WriteKind.Credit);
        Assert.Null(problem);
        Assert.Equal(new AccountWrite(WriteKind.Credit, "alice", "topup-1", true, "credit:12500000", Amount: 12_500_000), write);

        var (anonymous, _) = await WriteRequests.Move(Request("""{"amount":"1"}"""), "alice", WriteKind.Debit);
        Assert.False(anonymous!.Remember);
        Assert.StartsWith("op:", anonymous.OperationId);
    }

    [Theory]
    [InlineData("""{"amount":"1.0000001"}""")]
    [InlineData("""{"amount":"-1"}""")]
    [InlineData("""{"amount":1e3}""")]
    [InlineData("""{"amount":"1","amount":"2"}""")]
    [InlineData("""not json""")]
    public async Task Bad_input_is_a_400_problem_and_no_write(string json)
    {
        var request = Request(json);
        var (write, problem) = await WriteRequests.Move(request, "alice", WriteKind.Credit);
        Assert.Null(write);
        var (status, contentType, body, _) = await Execute(problem!, request);
        Assert.Equal(400, status);
        Assert.StartsWith("application/problem+json", contentType);
        Assert.StartsWith("urn:billing:problem:", body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Holds_transfers_and_accounts_parse_like_the_self_hosted_server()
    {
        var (hold, _) = await WriteRequests.Hold(Request("""{"holdId":"h1","amount":"2"}"""), "alice", Settings.WriteRules);
        Assert.Equal(("hold:h1", true, "hold:h1:2000000:604800", 604800), (hold!.OperationId, hold.Remember, hold.Fingerprint, hold.ExpiresInSeconds));

        var (transfer, transferProblem) = await WriteRequests.Transfer(Request("""{"from":"a","to":"b","amount":"3"}"""));
        Assert.Null(transfer);
        Assert.Equal(400, (await Execute(transferProblem!, Request(null))).Status);

        var (open, openProblem) = await WriteRequests.Open(Request("""{"cutoffUrl":"http://10.0.0.1/x"}"""), "alice", Settings.WriteRules);
        Assert.Null(open);
        Assert.Equal(400, (await Execute(openProblem!, Request(null))).Status);
        // A host listed only as one that may reach private addresses is a listed callback host too, as on the server.
        var privateOnly = Settings with { AllowedCallbackHosts = [], AllowedPrivateCallbackHosts = ["hooks.internal"] };
        var (listed, listedProblem) = await WriteRequests.Open(Request("""{"cutoffUrl":"http://hooks.internal/x"}"""), "alice", privateOnly.WriteRules);
        Assert.Null(listedProblem);
        Assert.NotNull(listed);
        var (routeWrite, routeProblem) = await WriteRequests.Move(Request("""{"amount":"1"}"""), "no spaces", WriteKind.Credit);
        Assert.Null(routeWrite);
        Assert.NotNull(routeProblem);
    }

    [Fact]
    public async Task Entity_answers_become_responses_with_the_replay_header_and_problem_types()
    {
        var request = Request(null);
        var (status, _, body, response) = await Execute(await EntityAnswers.ToResult(new EntityAnswer(200, """{"accountId":"a"}""", true, null)), request);
        Assert.Equal((200, "a", "true"), (status, body.GetProperty("accountId").GetString(), response.Headers["Idempotent-Replayed"].ToString()));

        var refused = Request(null);
        var (refusedStatus, _, problem, _) = await Execute(await EntityAnswers.ToResult(
            EntityAnswer.Refused(new Rejection(RejectionKind.InsufficientFunds, "no"))), refused);
        Assert.Equal((409, "urn:billing:problem:insufficient-funds"), (refusedStatus, problem.GetProperty("type").GetString()));

        var pending = Request(null);
        var (pendingStatus, _, _, pendingResponse) = await Execute(EntityAnswers.Pending(), pending);
        Assert.Equal((503, "1"), (pendingStatus, pendingResponse.Headers.RetryAfter.ToString()));
    }

    [Fact]
    public async Task A_configured_api_key_is_required()
    {
        var guarded = Settings with { ApiKey = "k-1" };
        var handled = false;
        var request = Request(null);
        var (status, _, body, _) = await Execute(await HttpAnswers.Guarded(request, guarded, () =>
        {
            handled = true;
            return Task.FromResult(Results.Ok());
        }), request);
        Assert.Equal((401, "urn:billing:problem:unauthorized", false), (status, body.GetProperty("type").GetString(), handled));

        var keyed = Request(null);
        keyed.Headers["X-Api-Key"] = "k-1";
        await HttpAnswers.Guarded(keyed, guarded, () =>
        {
            handled = true;
            return Task.FromResult(Results.Ok());
        });
        Assert.True(handled);
    }
}
