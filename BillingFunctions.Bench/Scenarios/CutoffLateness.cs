using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using BillingFunctions.Bench.Hosts;
using BillingFunctions.Bench.Load;
using BillingFunctions.Bench.Reporting;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Server.Engine;

namespace BillingFunctions.Bench.Scenarios;

/// <summary>
/// Cut-off lateness end to end: N accounts funded and rated over HTTP so their zero instants spread over W
/// seconds; real loopback listeners receive the cut-off GETs; lateness is arrival minus the <c>depletesAt</c>
/// the server answered. A second pass sends a share of the accounts to an endpoint that takes 200 ms per call,
/// to show a slow receiver delays only its own calls. While the cut-offs fall due, paced credits and debits on
/// other accounts (<c>--background-writes</c> per second) go through the same server, as a live system's would.
/// </summary>
internal sealed class CutoffLateness : Scenario
{
    private const string Balance = "1";
    private static readonly long BalancePico = Money.UnitsPerWhole * 1_000_000;

    private readonly Size<int> _accounts = new("--cutoff-accounts", "accounts depleting", 10_000, 500);
    private readonly Size<double> _window = new("--window", "seconds over which the zero instants spread", 10, 2);
    private readonly Size<double> _lead = new("--lead", "seconds from setting the first rate to the first zero instant", 3, 1);
    private readonly Size<int> _slowPercent = new("--slow-percent", "share of accounts on the slow endpoint in the second pass (0: no second pass)", 10, 10);
    private readonly Size<int> _slowMilliseconds = new("--slow-ms", "how long the slow endpoint takes per call", 200, 200);
    private readonly Size<int> _backgroundWrites = new("--background-writes",
        "credits and debits per second on other accounts while the cut-offs fall due (0: none)", 1000, 1000);

    /// <summary>The background load's own accounts: enough that its writes rarely queue behind each other on one account.</summary>
    private const int BackgroundAccounts = 1_000;

    public override string Name => "cutoff";
    public override string Description => "Cut-off lateness: arrival at a real loopback receiver minus depletesAt, with and without a slow receiver.";
    public override IEnumerable<Option> Options => [_accounts.Option, _window.Option, _lead.Option, _slowPercent.Option, _slowMilliseconds.Option, _backgroundWrites.Option];

    public override async Task<ScenarioResult> RunAsync(RunContext context)
    {
        var accounts = context.Get(_accounts);
        var window = context.Get(_window);
        var slowPercent = context.Get(_slowPercent);
        await using var fast = await WebhookReceiver.StartAsync(TimeSpan.Zero);
        await using var slow = await WebhookReceiver.StartAsync(TimeSpan.FromMilliseconds(context.Get(_slowMilliseconds)));
        await WarmUpAsync(fast, slow);
        await using var server = await ServerHost.StartAsync(context.NewDataDirectory("cutoff"), $"Billing:CutoffUrl={fast.Url}");
        using var client = new BenchClient(server.BaseUrl, 64);
        var backgroundRate = context.Get(_backgroundWrites);
        using var backgroundClient = new BenchClient(server.BaseUrl, 256);
        var background = backgroundRate > 0
            ? await BackgroundWrites.OpenAsync(backgroundClient, BackgroundAccounts, backgroundRate, context.Progress)
            : null;

        using var gcPauses = new GcPauses();
        var rows = new List<Measurement>();
        var plain = $"{accounts:N0} accounts / {window} s, {(backgroundRate > 0 ? $"{backgroundRate:N0}" : "no")} background writes/s";
        rows.AddRange(await PassAsync(context, client, background, gcPauses, server.Engine, "a", accounts, 0, fast, slow, plain));
        if (slowPercent > 0)
            rows.AddRange(await PassAsync(context, client, background, gcPauses, server.Engine, "b", accounts, slowPercent, fast, slow, $"{plain}, {slowPercent} % slow"));
        return new ScenarioResult(Name, new Dictionary<string, string>
        {
            ["accounts"] = accounts.ToString(),
            ["windowSeconds"] = window.ToString(CultureInfo.InvariantCulture),
            ["slowPercent"] = slowPercent.ToString(),
            ["slowMilliseconds"] = context.Get(_slowMilliseconds).ToString(),
            ["backgroundWritesPerSecond"] = backgroundRate.ToString(),
            ["server"] = "in-process BillingServer.Build on 127.0.0.1; receivers: Kestrel on 127.0.0.1 in the same process",
        }, rows);
    }

    /// <summary>
    /// The receivers stand in for the platform's running service: each answers a few calls (from an id no pass uses)
    /// before any cut-off, so the lateness holds the server's costs and not the first requests of a Kestrel just started.
    /// </summary>
    private static async Task WarmUpAsync(params WebhookReceiver[] receivers)
    {
        using var http = new HttpClient();
        foreach (var receiver in receivers)
            for (var call = 0; call < 20; call++)
                (await http.GetAsync($"{receiver.Url}?userId=warm-up")).EnsureSuccessStatusCode();
    }

    private async Task<IEnumerable<Measurement>> PassAsync(RunContext context, BenchClient client, BackgroundWrites? background,
        GcPauses gcPauses, BillingEngine engine, string pass,
        int accounts, int slowPercent,
        WebhookReceiver fast, WebhookReceiver slow, string passCase)
    {
        var fastCase = slowPercent == 0 ? passCase : $"{passCase}: fast endpoint";
        var slowCase = $"{passCase}: slow endpoint";
        var ids = Enumerable.Range(0, accounts).Select(i => $"cut-{pass}-{i:D6}").ToArray();
        // Every k-th account goes to the slow endpoint, so slow zero instants are spread among the fast ones.
        var slowEvery = slowPercent == 0 ? int.MaxValue : Math.Max(1, 100 / slowPercent);
        bool IsSlow(int i) => i % slowEvery == slowEvery - 1;

        context.Progress.Stage($"pass {pass}: opening and funding {accounts:N0} accounts");
        var done = 0;
        await Parallel.ForAsync(0, accounts, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            var open = IsSlow(i) ? JsonSerializer.Serialize(new { cutoffUrl = slow.Url }) : "{}";
            await client.OpenAndFund(ids[i], open, Balance);
            context.Progress.Report("funded", Interlocked.Increment(ref done), accounts);
        });

        // Zero instant i is planned at start + lead + window·i/N; each rate is computed from the time left when it is
        // sent, and the server's answer (depletesAt) is the truth the lateness is measured against.
        // The background load runs from the first rate until the last cut-off has arrived: the whole time they fall due.
        var load = background?.Start(pass);
        gcPauses.Start();
        var sentAheadBefore = engine.CutoffsSentAhead;
        context.Progress.Stage($"pass {pass}: setting rates; zero instants spread over {context.Get(_window)} s");
        var start = DateTime.UtcNow.Ticks;
        var lead = TimeSpan.FromSeconds(context.Get(_lead)).Ticks;
        var window = TimeSpan.FromSeconds(context.Get(_window)).Ticks;
        var depletesAt = new long[accounts];
        var next = -1;
        done = 0;
        await Parallel.ForAsync(0, 64, async (_, _) =>
        {
            for (var i = Interlocked.Increment(ref next); i < accounts; i = Interlocked.Increment(ref next))
            {
                var planned = start + lead + window * i / accounts;
                var left = Math.Max(TimeSpan.TicksPerMillisecond * 50, planned - DateTime.UtcNow.Ticks);
                var rate = new Rate((long)((Int128)BalancePico * TimeSpan.TicksPerSecond / left));
                var body = BenchClient.Expect(await client.SendReading(HttpMethod.Put, $"/api/accounts/{ids[i]}/rate",
                    $$"""{"ratePerSecond":"{{rate}}"}"""), HttpStatusCode.OK);
                var zero = JsonDocument.Parse(body).RootElement.GetProperty("depletesAt").GetString()!;
                depletesAt[i] = DateTime.Parse(zero, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind).Ticks;
                context.Progress.Report("rated", Interlocked.Increment(ref done), accounts);
            }
        });

        context.Progress.Stage($"pass {pass}: waiting for {accounts:N0} cut-offs");
        var index = ids.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i, StringComparer.Ordinal);
        var deadline = DateTime.UtcNow.Ticks + Math.Max(0, depletesAt.Max() - DateTime.UtcNow.Ticks) + TimeSpan.FromSeconds(30).Ticks;
        while (DateTime.UtcNow.Ticks < deadline && Arrived(fast, slow, index).Count < accounts)
        {
            context.Progress.Report("cut off", Arrived(fast, slow, index).Count, accounts);
            await Task.Delay(200);
        }
        var pauses = gcPauses.Stop();
        var backgroundResult = load is null ? null : await load.StopAsync();
        await Task.Delay(1000); // room for a duplicate to show up
        context.Progress.Done();

        var arrivals = fast.Arrivals.Concat(slow.Arrivals).Where(a => index.ContainsKey(a.AccountId)).ToList();
        var rows = new List<Measurement>();
        rows.AddRange(Summarise(fastCase, Enumerable.Range(0, accounts).Where(i => !IsSlow(i)), arrivals, index, depletesAt));
        if (slowPercent > 0)
            rows.AddRange(Summarise(slowCase, Enumerable.Range(0, accounts).Where(IsSlow), arrivals, index, depletesAt));
        if (backgroundResult is not null)
            rows.AddRange(Background(passCase, backgroundResult));
        rows.AddRange(Collector(passCase, pauses));
        // The rest waited for the fsync of their batch: a write to the account was decided and not yet durable.
        rows.Add(new Measurement(passCase, "cut-offs sent ahead of their commit", engine.CutoffsSentAhead - sentAheadBefore, "calls", $"of {accounts:N0}"));
        return rows;
    }

    private static HashSet<string> Arrived(WebhookReceiver fast, WebhookReceiver slow, Dictionary<string, int> index) =>
        fast.Arrivals.Concat(slow.Arrivals).Select(a => a.AccountId).Where(index.ContainsKey).ToHashSet(StringComparer.Ordinal);

    private static IEnumerable<Measurement> Summarise(string @case, IEnumerable<int> accounts, List<WebhookReceiver.Arrival> arrivals,
        Dictionary<string, int> index, long[] depletesAt)
    {
        var wanted = accounts.ToHashSet();
        var mine = arrivals.Where(a => wanted.Contains(index[a.AccountId])).ToList();
        var first = mine.GroupBy(a => a.AccountId).ToDictionary(g => g.Key, g => g.Min(a => a.ArrivedTicks), StringComparer.Ordinal);
        var lateness = new Latencies(first.Select(f => f.Value - depletesAt[index[f.Key]]));
        double Ms(long ticks) => ticks / (double)TimeSpan.TicksPerMillisecond;
        return
        [
            new Measurement(@case, "lateness min", Ms(lateness.Min), "ms", "≥ 0"),
            new Measurement(@case, "lateness p50", Ms(lateness.Percentile(50)), "ms"),
            new Measurement(@case, "lateness p90", Ms(lateness.Percentile(90)), "ms"),
            new Measurement(@case, "lateness p99", Ms(lateness.Percentile(99)), "ms", "≤ 10"),
            new Measurement(@case, "lateness p99.9", Ms(lateness.Percentile(99.9)), "ms"),
            new Measurement(@case, "lateness max", Ms(lateness.Max), "ms", "≤ 50"),
            new Measurement(@case, "early", mine.Count(a => a.ArrivedTicks < depletesAt[index[a.AccountId]]), "calls", "0"),
            new Measurement(@case, "missing", wanted.Count - first.Count, "accounts", "0"),
            new Measurement(@case, "duplicated", mine.Count - first.Count, "calls", "0"),
        ];
    }

    /// <summary>The process's GC pauses while the cut-offs fell due: a lateness tail as long as the longest pause is the collector's.</summary>
    private static IEnumerable<Measurement> Collector(string @case, Latencies pauses) =>
    [
        new Measurement(@case, "GC pauses", pauses.Count, "pauses"),
        new Measurement(@case, "GC pause p99", pauses.Percentile(99) / 1000.0, "ms"),
        new Measurement(@case, "GC pause max", pauses.Max / 1000.0, "ms"),
        new Measurement(@case, "GC pauses in total", pauses.Sum / 1000.0, "ms"),
    ];

    private static IEnumerable<Measurement> Background(string @case, BackgroundResult result) =>
    [
        new Measurement(@case, "background writes achieved", result.AchievedPerSecond, "writes/s", $"{result.AskedPerSecond:N0} asked"),
        new Measurement(@case, "background write latency p50", result.Latencies.Percentile(50) / 1000.0, "ms"),
        new Measurement(@case, "background write latency p99", result.Latencies.Percentile(99) / 1000.0, "ms"),
        new Measurement(@case, "background writes failed / dropped", result.Failed + result.Dropped, "writes", "0"),
    ];
}
