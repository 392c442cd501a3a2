using System.CommandLine;
using System.Net;
using BillingFunctions.Bench.Hosts;
using BillingFunctions.Bench.Load;
using BillingFunctions.Bench.Reporting;

namespace BillingFunctions.Bench.Scenarios;

/// <summary>
/// The engine scenario's mix over HTTP: the real server (<c>BillingServer.Build</c>) on a loopback port in this
/// process, and keep-alive clients from this program, each waiting for its answer before the next request.
/// Client and server share the machine's cores, as in the reference figures.
/// </summary>
internal sealed class HttpThroughput : Scenario
{
    private readonly Size<int> _accounts = new("--http-accounts", "accounts written to", 10_000, 1_000);
    private readonly Size<int> _connections = new("--connections", "concurrent keep-alive clients", 256, 32);
    private readonly Size<double> _seconds = new("--http-seconds", "measured seconds per case", 10, 2);
    private readonly Size<double> _warmup = new("--http-warmup", "unmeasured seconds before each case", 3, 0.5);
    private readonly Size<int> _readPercent = new("--http-read-percent", "share of reads in the mixed case", 50, 50);

    public override string Name => "http";
    public override string Description => "HTTP throughput against the real server on loopback with keep-alive clients.";
    public override IEnumerable<Option> Options => [_accounts.Option, _connections.Option, _seconds.Option, _warmup.Option, _readPercent.Option];

    /// <summary>The case of acknowledged writes only; the <c>peers</c> scenario reads its throughput.</summary>
    public const string WritesCase = "writes";

    public override Task<ScenarioResult> RunAsync(RunContext context) => RunAsync(context, withReads: true);

    /// <summary>The writes case and, when <paramref name="withReads"/> is set, the mixed case after it.</summary>
    public async Task<ScenarioResult> RunAsync(RunContext context, bool withReads)
    {
        var accounts = context.Get(_accounts);
        var connections = context.Get(_connections);
        var readPercent = context.Get(_readPercent);
        await using var server = await ServerHost.StartAsync(context.NewDataDirectory("http"));
        using var client = new BenchClient(server.BaseUrl, connections);

        context.Progress.Stage($"opening and funding {accounts:N0} accounts over HTTP");
        await Parallel.ForAsync(0, accounts, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var id = OperationMix.AccountId(i);
            await client.OpenAndFund(id, "{}", OperationMix.OpeningBalance);
            BenchClient.Expect(await client.SendReading(HttpMethod.Put, $"/api/accounts/{id}/rate", $$"""{"ratePerSecond":"{{OperationMix.Rate}}"}"""),
                HttpStatusCode.OK);
        });

        var rows = new List<Measurement>();
        (string Name, int Percent)[] cases = withReads ? [(WritesCase, 0), ($"{readPercent} % reads", readPercent)] : [(WritesCase, 0)];
        foreach (var (name, percent) in cases)
        {
            var mix = new OperationMix(accounts, percent);
            context.Progress.Stage($"{name}: {connections} connections");
            var result = await LoadRun.RunAsync(name, connections, TimeSpan.FromSeconds(context.Get(_warmup)),
                TimeSpan.FromSeconds(context.Get(_seconds)), (worker, sequence, random) => Issue(client, mix.Next(random), $"{percent}-{worker}-{sequence}"),
                context.Progress, context.Cancellation);
            rows.AddRange(result.Rows(name, "requests", percent == 0 ? "≥ 60,000" : null));
        }
        return new ScenarioResult(Name, new Dictionary<string, string>
        {
            ["accounts"] = accounts.ToString(),
            ["connections"] = connections.ToString(),
            ["seconds"] = context.Get(_seconds).ToString(),
            ["server"] = "in-process BillingServer.Build, Kestrel on 127.0.0.1, synchronous=FULL",
        }, rows);
    }

    private static async Task<Done> Issue(BenchClient client, Pick pick, string operationId)
    {
        var id = OperationMix.AccountId(pick.Account);
        var body = $$"""{"amount":"{{OperationMix.Amount}}"}""";
        var status = pick.Move switch
        {
            Move.Read => await client.Send(HttpMethod.Get, $"/api/accounts/{id}"),
            Move.Credit => await client.Send(HttpMethod.Post, $"/api/accounts/{id}/credits", body, operationId),
            Move.Debit => await client.Send(HttpMethod.Post, $"/api/accounts/{id}/debits", body, operationId),
            _ => await client.Send(HttpMethod.Post, "/api/transfers",
                $$"""{"from":"{{id}}","to":"{{OperationMix.AccountId(pick.Counterparty)}}","amount":"{{OperationMix.Amount}}","transferId":"{{operationId}}"}"""),
        };
        return new Done(pick.Move == Move.Read ? OperationKind.Read : OperationKind.Write, status == HttpStatusCode.OK);
    }
}
