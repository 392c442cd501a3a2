using System.Text;
using System.Text.Json;
using BillingFunctions.Contract.Requests;
using BillingFunctions.Core.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Requests;

/// <summary>
/// The contract's strict body reader, through the write requests both hosts use, with real ASP.NET Core request objects:
/// which problem each kind of bad body gets, and that the detail names the field and what it may hold.
/// </summary>
public sealed class RequestBodyTests
{
    private static readonly WriteRules Rules = new("USD", 604800, ["localhost"], []);
    private static readonly string IdRule = Identifiers.Describe("operationId");

    [Theory]
    [InlineData("""{"amount":"1","amuont":"2"}""", "validation", "'amuont' is not a field of this request; it takes 'amount' and 'operationId'.")]
    [InlineData("""{"Amount":"1"}""", "validation", "'Amount' is not a field of this request; it takes 'amount' and 'operationId'.")]
    [InlineData("""{"amount":"1","operationID":"op-1"}""", "validation", "'operationID' is not a field of this request; it takes 'amount' and 'operationId'.")]
    [InlineData("""{"amount":"1","amount":"1"}""", "malformed-json", "'amount' is given more than once.")]
    [InlineData("""{"amount":"x","amount":"1"}""", "malformed-json", "'amount' is given more than once.")]
    [InlineData("""{"amount":"1","operationId":"a","operationId":"a"}""", "malformed-json", "'operationId' is given more than once.")]
    [InlineData("""{}""", "validation", "'amount' is required.")]
    [InlineData("""{"amount":null}""", "validation", "'amount' is required.")]
    [InlineData("""{"amount":"1.0000001"}""", "validation", "'amount' has more than 6 fractional digits.")]
    [InlineData("""{"amount":"0"}""", "validation", "'amount' must be greater than zero.")]
    [InlineData("""{"amount":1e3}""", "validation", "'amount' must be a plain decimal number such as \"12.5\".")]
    [InlineData("""{"amount":["1"]}""", "validation", "'amount' must be a decimal string such as \"12.5\".")]
    [InlineData("""{"amount":"\ud800"}""", "validation", "'amount' must be a decimal string such as \"12.5\".")]
    [InlineData("""{"amount":"1","operationId":7}""", "validation", null)]
    [InlineData("""{"amount":"1","operationId":"a b"}""", "validation", null)]
    [InlineData("""[{"amount":"1"}]""", "validation", "The body must be a JSON object.")]
    public async Task A_bad_credit_body_is_a_400_that_names_the_field(string json, string kind, string? detail)
    {
        var (write, problem) = await WriteRequests.Move(Request(json), "alice", WriteKind.Credit);
        Assert.Null(write);
        await AssertProblem(problem, kind, detail ?? IdRule);
    }

    [Theory]
    [InlineData("""{"holdId":null,"amount":"1"}""", "'holdId' is required.")]
    [InlineData("""{"holdId":5,"amount":"1"}""", "'holdId' must be 1 to 128 characters of letters, digits and - _ . : @")]
    [InlineData("""{"holdId":"h 1","amount":"1"}""", "'holdId' must be 1 to 128 characters of letters, digits and - _ . : @")]
    [InlineData("""{"holdId":"h1","amount":"1","expiresInSeconds":"60"}""", "'expiresInSeconds' must be a whole number from 1 to 31536000.")]
    [InlineData("""{"holdId":"h1","amount":"1","expiresInSeconds":31536001}""", "'expiresInSeconds' must be a whole number from 1 to 31536000.")]
    [InlineData("""{"holdId":"h1","amount":"1","expiresInSeconds":1.5}""", "'expiresInSeconds' must be a whole number from 1 to 31536000.")]
    [InlineData("""{"holdId":"h1"}""", "'amount' is required.")]
    [InlineData("""{"amount":"1","hold":"h1"}""", "'hold' is not a field of this request; it takes 'holdId', 'amount', 'expiresInSeconds' and 'operationId'.")]
    public async Task A_bad_hold_body_is_a_validation_problem(string json, string detail)
    {
        var (write, problem) = await WriteRequests.Hold(Request(json), "alice", Rules);
        Assert.Null(write);
        await AssertProblem(problem, "validation", detail);
    }

    [Theory]
    [InlineData("""{"currency":840}""", "'currency' must be a three-letter upper-case code such as \"USD\".")]
    [InlineData("""{"currency":"usd"}""", "'currency' must be a three-letter upper-case code such as \"USD\".")]
    [InlineData("""{"cutoffUrl":["http://localhost/x"]}""", "'cutoffUrl' must be an absolute http or https URL of at most 2048 characters.")]
    [InlineData("""{"lowBalanceWarningSeconds":"60"}""", "'lowBalanceWarningSeconds' must be a whole number from 1 to 2592000.")]
    [InlineData("""{"lowBalanceWarningSeconds":0}""", "'lowBalanceWarningSeconds' must be a whole number from 1 to 2592000.")]
    [InlineData("""{"currency":"USD","rate":"1"}""", "'rate' is not a field of this request; it takes 'currency', 'cutoffUrl' and 'lowBalanceWarningSeconds'.")]
    public async Task A_bad_account_body_is_a_validation_problem(string json, string detail)
    {
        var (write, problem) = await WriteRequests.Open(Request(json), "alice", Rules);
        Assert.Null(write);
        await AssertProblem(problem, "validation", detail);
    }

    [Fact]
    public async Task Every_missing_required_field_is_named()
    {
        var (transfer, problem) = await WriteRequests.Transfer(Request("""{"amount":"1","transferId":"t-1"}"""));
        Assert.Null(transfer);
        await AssertProblem(problem, "validation", "'from' and 'to' are required.");
    }

    /// <summary>Invalid UTF-8 makes the body not JSON, whether it is in a value, a field the request has not, or a name.</summary>
    [Theory]
    [InlineData("{\"amount\":\"1", "\"}")]
    [InlineData("{\"amount\":\"1\",\"operationId\":\"op", "\"}")]
    [InlineData("{\"amount\":\"1\",\"note\":\"", "\"}")]
    [InlineData("{\"amount\":\"1\",\"", "\":1}")]
    public async Task Invalid_utf8_anywhere_is_malformed_json(string before, string after)
    {
        var (write, problem) = await WriteRequests.Move(Request([.. Encoding.UTF8.GetBytes(before), 0xC3, 0x28, .. Encoding.UTF8.GetBytes(after)]),
            "alice", WriteKind.Credit);
        Assert.Null(write);
        await AssertProblem(problem, "malformed-json", "The body is not valid UTF-8.");
    }

    /// <summary>A body that is not JSON is malformed-json even where the serializer would first have met a field it refuses.</summary>
    [Theory]
    [InlineData("""{"x":1,"amount":"1" """)]
    [InlineData("""{"amount":"1"} {"amount":"1"}""")]
    [InlineData("""{"amount":"1","x":[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]}""")]
    [InlineData("""{"amount":"1",}""")]
    [InlineData("""   """)]
    public async Task Not_json_is_malformed_json_whatever_the_fields(string json)
    {
        var (write, problem) = await WriteRequests.Move(Request(json), "alice", WriteKind.Credit);
        Assert.Null(write);
        await AssertProblem(problem, "malformed-json", null);
    }

    [Fact]
    public async Task Amounts_are_read_from_their_exact_text()
    {
        var (asNumber, _) = await WriteRequests.Move(Request("""{"amount":12.500001}"""), "alice", WriteKind.Credit);
        Assert.Equal(12_500_001, asNumber!.Amount);
        var (rate, _) = await WriteRequests.Rate(Request("""{"ratePerSecond":"0.000013888889"}"""), "alice");
        Assert.Equal(13_888_889, rate!.RatePicoPerSecond);
        var (capture, _) = await WriteRequests.Capture(Request("""{"amount":null}"""), "alice", "h1");
        Assert.Null(capture!.Amount); // all of the hold
    }

    [Fact]
    public async Task Optional_bodies_may_be_left_out_and_required_ones_may_not()
    {
        Assert.NotNull((await WriteRequests.Release(NoBody(), "alice", "h1")).Write);
        Assert.NotNull((await WriteRequests.Capture(NoBody(), "alice", "h1")).Write);
        Assert.Equal("USD", (await WriteRequests.Open(NoBody(), "alice", Rules)).Write!.Currency);
        var (write, problem) = await WriteRequests.Move(NoBody(), "alice", WriteKind.Debit);
        Assert.Null(write);
        await AssertProblem(problem, "validation", "A JSON object body is required.");
    }

    [Fact]
    public async Task Baskets_and_orders_are_read_by_the_same_rules()
    {
        Assert.Equal("u-1", (await WriteRequests.Basket(Request("""{"userId":"u-1"}"""))).AccountId);
        await AssertProblem((await WriteRequests.Basket(Request("""{"userId":"u-1","basketId":"b-1"}"""))).Problem, "validation",
            "'basketId' is not a field of this request; it takes 'userId'.");
        var (order, _) = await WriteRequests.Order(Request("""{"userId":"u-1","basketId":"b-1","amount":"2.5"}"""));
        Assert.Equal(("u-1", "b-1", 2_500_000L), (order!.AccountId, order.BasketId, order.Amount.Units));
        await AssertProblem((await WriteRequests.Order(Request("""{"userId":"u-1","basketId":"b 1","amount":"2.5"}"""))).Problem, "validation",
            Identifiers.Describe("basketId"));
        await AssertProblem((await WriteRequests.Order(Request("""{"userId":"u-1","basketId":"b-1","amount":"2.5","amount":"2.5"}"""))).Problem,
            "malformed-json", "'amount' is given more than once.");
    }

    [Fact]
    public void Every_field_of_every_body_says_what_it_may_hold()
    {
        var fields = RequestJson.Bodies.SelectMany(body => body.Properties).ToList();
        Assert.True(fields.Count > 15);
        Assert.All(fields, field => Assert.NotNull(BodyFields.Describe(field.Name)));
    }

    private static HttpRequest Request(string json) => Request(Encoding.UTF8.GetBytes(json));

    private static HttpRequest NoBody() => Request((byte[]?)null);

    private static HttpRequest Request(byte[]? body)
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        if (body is not null)
        {
            context.Request.Body = new MemoryStream(body);
            context.Request.ContentLength = body.Length;
            context.Request.ContentType = "application/json";
        }
        return context.Request;
    }

    private static async Task AssertProblem(IResult? result, string kind, string? detail)
    {
        Assert.NotNull(result);
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();
        await result.ExecuteAsync(context);
        context.Response.Body.Position = 0;
        var problem = (await JsonDocument.ParseAsync(context.Response.Body)).RootElement;
        Assert.Equal(400, context.Response.StatusCode);
        Assert.Equal(Problems.TypePrefix + kind, problem.GetProperty("type").GetString());
        if (detail is not null)
            Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }
}
