using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using BillingFunctions.Accounts;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;
using BillingFunctions.Transfers;

namespace BillingFunctions.Tests.Durable;

/// <summary>
/// One scenario, run through both hosts: the self-hosted server over HTTP on a loopback port, and the Azure Functions
/// app's HTTP functions on the real Durable runtime over Azurite. Every answer (status, replay header, body) and the
/// ledger must agree field by field. Only what depends on the instant a host ran the step is left out: the instants
/// themselves, and the server's global sequence numbers.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class SameAnswersOnBothHostsTests(DurableFixture fixture) : IClassFixture<DurableFixture>
{
    private static readonly string[] InstantFields = ["asOf", "at", "placedAt", "expiresAt", "depletesAt", "decidedAt"];

    [Fact]
    public async Task Every_answer_and_the_ledger_agree_field_by_field()
    {
        await using var server = await RunningServer.StartAsync();
        var runtime = fixture.Runtime;
        // The same ids on both hosts: event ids are derived from them, so they compare too.
        var a = BillingCalls.NewAccountId("same-a");
        var b = BillingCalls.NewAccountId("same-b");
        var steps = new List<(string Name, Func<Task<Answer>> Server, Func<Task<Answer>> Azure)>
        {
            ("open a", () => Send(server, HttpMethod.Put, $"accounts/{a}", new { currency = "USD" }),
                () => Call(runtime.Open(a, new { currency = "USD" }))),
            ("open a again", () => Send(server, HttpMethod.Put, $"accounts/{a}", new { currency = "USD" }),
                () => Call(runtime.Open(a, new { currency = "USD" }))),
            ("open a with other settings", () => Send(server, HttpMethod.Put, $"accounts/{a}", new { currency = "EUR" }),
                () => Call(runtime.Open(a, new { currency = "EUR" }))),
            ("open b", () => Send(server, HttpMethod.Put, $"accounts/{b}", null), () => Call(runtime.Open(b))),
            ("credit", () => Send(server, HttpMethod.Post, $"accounts/{a}/credits", new { amount = "10.5" }, "c-1"),
                () => Call(runtime.Credit(a, "10.5", "c-1"))),
            ("credit replayed", () => Send(server, HttpMethod.Post, $"accounts/{a}/credits", new { amount = "10.5" }, "c-1"),
                () => Call(runtime.Credit(a, "10.5", "c-1"))),
            ("credit id reused", () => Send(server, HttpMethod.Post, $"accounts/{a}/credits", new { amount = "7" }, "c-1"),
                () => Call(runtime.Credit(a, "7", "c-1"))),
            ("debit", () => Send(server, HttpMethod.Post, $"accounts/{a}/debits", new { amount = "0.25" }, "d-1"),
                () => Call(runtime.Debit(a, "0.25", "d-1"))),
            ("debit too much", () => Send(server, HttpMethod.Post, $"accounts/{a}/debits", new { amount = "1000" }, "d-2"),
                () => Call(runtime.Debit(a, "1000", "d-2"))),
            ("bad amount", () => Send(server, HttpMethod.Post, $"accounts/{a}/debits", new { amount = "-1" }, "d-3"),
                () => Call(runtime.Debit(a, "-1", "d-3"))),
            ("unknown account", () => Send(server, HttpMethod.Post, "accounts/nobody-here/credits", new { amount = "1" }, "c-2"),
                () => Call(runtime.Credit("nobody-here", "1", "c-2"))),
            ("hold", () => Send(server, HttpMethod.Post, $"accounts/{a}/holds", new { holdId = "h-1", amount = "2", expiresInSeconds = 3600 }),
                () => Call(Hold(runtime, a, new { holdId = "h-1", amount = "2", expiresInSeconds = 3600 }))),
            ("capture part", () => Send(server, HttpMethod.Post, $"accounts/{a}/holds/h-1/capture", new { amount = "1.5" }),
                () => Call(Capture(runtime, a, "h-1", new { amount = "1.5" }))),
            ("capture again", () => Send(server, HttpMethod.Post, $"accounts/{a}/holds/h-1/capture", null, "cap-2"),
                () => Call(Capture(runtime, a, "h-1", new { }, "cap-2"))),
            ("second hold", () => Send(server, HttpMethod.Post, $"accounts/{a}/holds", new { holdId = "h-2", amount = "1", expiresInSeconds = 3600 }),
                () => Call(Hold(runtime, a, new { holdId = "h-2", amount = "1", expiresInSeconds = 3600 }))),
            ("release", () => Send(server, HttpMethod.Post, $"accounts/{a}/holds/h-2/release", null),
                () => Call(Release(runtime, a, "h-2"))),
            ("unknown hold", () => Send(server, HttpMethod.Post, $"accounts/{a}/holds/h-9/release", null),
                () => Call(Release(runtime, a, "h-9"))),
            ("transfer", () => Send(server, HttpMethod.Post, "transfers", new { from = a, to = b, amount = "3", transferId = "t-1" }),
                () => Call(runtime.Transfer(a, b, "3", "t-1"))),
            ("transfer replayed", () => Send(server, HttpMethod.Post, "transfers", new { from = a, to = b, amount = "3", transferId = "t-1" }),
                () => Call(runtime.Transfer(a, b, "3", "t-1"))),
            ("transfer id reused", () => Send(server, HttpMethod.Post, "transfers", new { from = a, to = b, amount = "4", transferId = "t-1" }),
                () => Call(runtime.Transfer(a, b, "4", "t-1"))),
            ("transfer to nobody", () => Send(server, HttpMethod.Post, "transfers", new { from = a, to = "nobody-here", amount = "1", transferId = "t-2" }),
                () => Call(runtime.Transfer(a, "nobody-here", "1", "t-2"))),
            ("read a", () => Send(server, HttpMethod.Get, $"accounts/{a}", null), () => Call(runtime.Account(a))),
            ("read b", () => Send(server, HttpMethod.Get, $"accounts/{b}", null), () => Call(runtime.Account(b))),
        };

        foreach (var (name, onServer, onAzure) in steps)
        {
            var expected = await onServer();
            var actual = await onAzure();
            Assert.True(expected == actual, $"{name}:\n  server: {expected}\n  azure:  {actual}");
        }

        // The Azure app writes its ledger from an orchestration after the entity has answered: wait for all of it.
        var serverLedger = Normalized(await server.Client.Ledger(a));
        var azureLedger = await Poll.UntilValue(async () => Normalized(LedgerItems((await runtime.Ledger(a)).Json)),
            entries => entries.Count >= serverLedger.Count, 60);
        Assert.Equal(serverLedger, azureLedger);
    }

    /// <summary>One answer as a caller sees it, with the fields that depend on when a host ran it taken out.</summary>
    private sealed record Answer(int Status, bool Replayed, string Body)
    {
        public override string ToString() => $"{Status}{(Replayed ? " (replayed)" : "")} {Body}";
    }

    private static async Task<Answer> Send(RunningServer server, HttpMethod method, string path, object? body, string? operationId = null)
    {
        using var request = new HttpRequestMessage(method, $"/api/{path}");
        if (body is not null)
            request.Content = JsonContent.Create(body);
        if (operationId is not null)
            request.Headers.Add("Idempotency-Key", operationId);
        using var response = await server.Client.SendAsync(request);
        return new Answer((int)response.StatusCode, response.Headers.Contains("Idempotent-Replayed"),
            Normalized(await response.Content.ReadAsStringAsync()));
    }

    private static async Task<Answer> Call(Task<HttpAnswer> call)
    {
        var answer = await call;
        return new Answer(answer.Status, answer.Headers.ContainsKey("Idempotent-Replayed"), Normalized(answer.Body));
    }

    private static Task<HttpAnswer> Hold(DurableRuntime runtime, string accountId, object body) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.PlaceHold(request, accountId, runtime.Client), "POST", JsonSerializer.Serialize(body));

    private static Task<HttpAnswer> Capture(DurableRuntime runtime, string accountId, string holdId, object body, string? operationId = null) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.Capture(request, accountId, holdId, runtime.Client), "POST",
            JsonSerializer.Serialize(body), operationId);

    private static Task<HttpAnswer> Release(DurableRuntime runtime, string accountId, string holdId) =>
        runtime.CallAsync<AccountFunctions>((f, request) => f.Release(request, accountId, holdId, runtime.Client), "POST");

    private static List<JsonElement> LedgerItems(JsonElement page) => page.GetProperty("items").EnumerateArray().ToList();

    private static List<string> Normalized(IEnumerable<JsonElement> entries) =>
        entries.Select(e => Normalized(e.GetRawText())).ToList();

    /// <summary>
    /// The body with instants and sequence numbers removed (they depend on when and where a host ran the step), and the
    /// problem's trace id (each host's own). Everything else, names and order included, must match.
    /// </summary>
    private static string Normalized(string body)
    {
        if (body.Length == 0)
            return "";
        var node = JsonNode.Parse(body);
        Strip(node);
        return node!.ToJsonString();
    }

    private static void Strip(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var field in InstantFields.Append("sequence").Append("traceId"))
                    obj.Remove(field);
                foreach (var (_, child) in obj)
                    Strip(child);
                break;
            case JsonArray array:
                foreach (var child in array)
                    Strip(child);
                break;
        }
    }
}
