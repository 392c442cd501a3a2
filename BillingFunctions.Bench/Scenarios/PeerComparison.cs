using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using BillingFunctions.Bench.Peers;
using BillingFunctions.Bench.Reporting;

namespace BillingFunctions.Bench.Scenarios;

/// <summary>
/// This engine against a peer, back to back on the same machine: Tarantool running a stored-procedure debit with
/// WAL fsync at each caller count, then the <c>engine</c> scenario's durable writes and the <c>http</c> scenario's
/// writes (their own code and sizes), repeated <c>--runs</c> times in alternation; medians and their ratios.
/// Not part of <c>all</c>: it needs tarantool installed.
/// </summary>
internal sealed class PeerComparison(EngineThroughput engine, HttpThroughput http) : Scenario
{
    private readonly Size<double> _seconds = new("--peer-seconds", "measured seconds per Tarantool caller count", 10, 2);
    private readonly Size<double> _warmup = new("--peer-warmup", "unmeasured seconds before each Tarantool measurement", 2, 0.5);
    private readonly Size<int> _runs = new("--runs", "rounds of peer, engine and HTTP in alternation; figures are their medians", 1, 1);
    private readonly Option<int[]> _callers = new("--peer-callers")
    {
        Description = "comma-separated counts of concurrent Tarantool callers, one measurement each (default 64,256)",
        CustomParser = ParseCallers,
    };
    private readonly Option<bool> _noHttp = new("--no-http") { Description = "measure only the in-process engine, not the server over HTTP" };

    public override string Name => "peers";
    public override string Description =>
        "This engine's durable writes against Tarantool running a stored-procedure debit with WAL fsync, back to back, with ratios (needs tarantool).";
    public override IEnumerable<Option> Options =>
        [_seconds.Option, _warmup.Option, _runs.Option, _callers, _noHttp, .. engine.Options, .. http.Options];

    public override async Task<ScenarioResult> RunAsync(RunContext context)
    {
        if (!TarantoolPeer.IsInstalled())
            throw new ScenarioUnavailableException(
                $"The peers scenario runs Tarantool as its comparison peer, and tarantool is not on the PATH. Install it: {TarantoolPeer.InstallCommand}");
        // Without the option the parsed value is empty (the parser reports an empty list given by hand as an error).
        var callerCounts = context.Parsed.GetValue(_callers) is { Length: > 0 } given ? given : [64, 256];
        var runs = context.Get(_runs);
        var withHttp = !context.Parsed.GetValue(_noHttp);
        var peers = callerCounts.Select(c => new Figure($"tarantool fsync, {c} callers")).ToArray();
        Figure? ours = null, overHttp = null;
        var parameters = new Dictionary<string, string>();

        for (var run = 1; run <= runs; run++)
        {
            await using (var peer = await TarantoolPeer.StartAsync(context.NewDataDirectory("tarantool"), context.Cancellation))
            {
                for (var i = 0; i < callerCounts.Length; i++)
                {
                    context.Progress.Stage($"run {run}/{runs}: {peers[i].Name}");
                    var measured = await peer.MeasureAsync(callerCounts[i], context.Get(_seconds), context.Get(_warmup), context.Cancellation);
                    peers[i].Add(measured.WritesPerSecond, measured.Failed);
                }
            }

            context.Progress.Stage($"run {run}/{runs}: engine");
            var engineResult = await engine.RunAsync(context, withReads: false);
            ours ??= new Figure($"engine, {engineResult.Parameters["callers"]} callers");
            ours.Add(engineResult, EngineThroughput.WritesCase);
            parameters["engine"] = $"{engineResult.Parameters["accounts"]} accounts, {engineResult.Parameters["seconds"]} s, {engineResult.Parameters["durability"]}";

            if (withHttp)
            {
                context.Progress.Stage($"run {run}/{runs}: http");
                var httpResult = await http.RunAsync(context, withReads: false);
                overHttp ??= new Figure($"http, {httpResult.Parameters["connections"]} connections");
                overHttp.Add(httpResult, HttpThroughput.WritesCase);
                parameters["http"] = $"{httpResult.Parameters["accounts"]} accounts, {httpResult.Parameters["seconds"]} s";
            }
        }

        var rows = new List<Measurement>();
        foreach (var figure in peers.Append(ours).Append(overHttp).OfType<Figure>())
            rows.AddRange(figure.Rows());
        foreach (var ratioOf in new[] { ours, overHttp }.OfType<Figure>())
            foreach (var peer in peers)
                rows.Add(new Measurement($"{ratioOf.Name.Split(',')[0]} / {peer.Name}", "ratio of medians", ratioOf.Median / peer.Median, "×"));

        parameters["peer"] = $"{await TarantoolPeer.VersionAsync(context.Cancellation)} running a stored-procedure debit with WAL fsync " +
            "(memtx space, spendMoney over net.box from a second tarantool process)";
        parameters["peerSeconds"] = context.Get(_seconds).ToString(CultureInfo.InvariantCulture);
        parameters["runs"] = runs.ToString(CultureInfo.InvariantCulture);
        return new ScenarioResult(Name, parameters, rows);
    }

    private static int[] ParseCallers(ArgumentResult result)
    {
        var text = string.Join(',', result.Tokens.Select(t => t.Value));
        var counts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var parsed = counts.Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 0).ToArray();
        if (parsed.Length == 0 || parsed.Contains(0))
        {
            result.AddError($"--peer-callers takes positive whole numbers separated by commas, e.g. 64,256; got '{text}'.");
            return [];
        }
        return parsed;
    }

    /// <summary>One compared figure: writes/s per run and the failures of all runs.</summary>
    private sealed class Figure(string name)
    {
        private readonly List<double> _perRun = [];
        private long _failed;

        public string Name => name;

        public double Median
        {
            get
            {
                var sorted = _perRun.Order().ToArray();
                return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
            }
        }

        public void Add(double writesPerSecond, long failed)
        {
            _perRun.Add(writesPerSecond);
            _failed += failed;
        }

        /// <summary>Takes the throughput and failures of <paramref name="case"/> from a throughput scenario's result.</summary>
        public void Add(ScenarioResult result, string @case)
        {
            var rows = result.Rows.Where(r => r.Case == @case).ToArray();
            Add(rows.Single(r => r.Metric == "throughput").Value, (long)rows.Single(r => r.Metric == "failed").Value);
        }

        public IEnumerable<Measurement> Rows()
        {
            if (_perRun.Count > 1)
                for (var i = 0; i < _perRun.Count; i++)
                    yield return new Measurement(Name, $"writes/s, run {i + 1}", _perRun[i], "writes/s");
            yield return new Measurement(Name, _perRun.Count > 1 ? $"writes/s, median of {_perRun.Count}" : "writes/s", Median, "writes/s");
            yield return new Measurement(Name, "failed", _failed, "operations", "0");
        }
    }
}
