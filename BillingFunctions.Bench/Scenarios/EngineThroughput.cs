using System.CommandLine;
using System.Text.Json;
using BillingFunctions.Bench.Hosts;
using BillingFunctions.Bench.Load;
using BillingFunctions.Bench.Reporting;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Api;
using BillingFunctions.Server.Engine;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Bench.Scenarios;

/// <summary>
/// Durable, acknowledged credits, debits and transfers straight into the engine (no HTTP): each caller awaits
/// its answer, which comes only after the batch holding it is committed with synchronous=FULL. Then the same
/// with reads mixed in. Every write carries an operation id, as the API's writes do.
/// </summary>
internal sealed class EngineThroughput : Scenario
{
    private readonly Size<int> _accounts = new("--accounts", "accounts written to", 10_000, 1_000);
    private readonly Size<int> _callers = new("--callers", "concurrent callers awaiting their answers", 2048, 256);
    private readonly Size<double> _seconds = new("--seconds", "measured seconds per case", 10, 2);
    private readonly Size<double> _warmup = new("--warmup", "unmeasured seconds before each case", 3, 0.5);
    private readonly Size<int> _readPercent = new("--read-percent", "share of reads in the mixed case", 50, 50);

    public override string Name => "engine";
    public override string Description => "In-process engine throughput: durable acknowledged writes, then writes mixed with reads.";
    public override IEnumerable<Option> Options => [_accounts.Option, _callers.Option, _seconds.Option, _warmup.Option, _readPercent.Option];

    /// <summary>The case of acknowledged writes only; the <c>peers</c> scenario reads its throughput.</summary>
    public const string WritesCase = "writes";

    public override Task<ScenarioResult> RunAsync(RunContext context) => RunAsync(context, withReads: true);

    /// <summary>The writes case and, when <paramref name="withReads"/> is set, the mixed case after it.</summary>
    public async Task<ScenarioResult> RunAsync(RunContext context, bool withReads)
    {
        var accounts = context.Get(_accounts);
        var callers = context.Get(_callers);
        var readPercent = context.Get(_readPercent);
        await using var host = EngineHost.Open(context.NewDataDirectory("engine"));
        var engine = host.Engine;
        engine.Start();

        context.Progress.Stage($"opening and funding {accounts:N0} accounts");
        await Parallel.ForAsync(0, accounts, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (i, _) =>
        {
            var id = OperationMix.AccountId(i);
            Check(await engine.Execute(AccountWrite.Open(id, "USD")));
            Check(await engine.Execute(AccountWrite.Move(WriteKind.Credit, id, Units(OperationMix.OpeningBalance).Units)));
            Check(await engine.Execute(AccountWrite.Rate(id, ParseRate(OperationMix.Rate).PicoPerSecond)));
        });

        var rows = new List<Measurement>();
        (string Name, int Percent)[] cases = withReads ? [(WritesCase, 0), ($"{readPercent} % reads", readPercent)] : [(WritesCase, 0)];
        foreach (var (name, percent) in cases)
        {
            var mix = new OperationMix(accounts, percent);
            var batchesBefore = engine.Batches;
            var committedBefore = engine.CommittedRequests;
            var timesBefore = engine.Times;
            var backPressure = new BackPressure();
            context.Progress.Stage($"{name}: {callers} callers");
            var result = await LoadRun.RunAsync(name, callers, TimeSpan.FromSeconds(context.Get(_warmup)),
                TimeSpan.FromSeconds(context.Get(_seconds)), (worker, sequence, random) => Issue(engine, mix.Next(random), $"{percent}-{worker}-{sequence}", backPressure),
                context.Progress, context.Cancellation);
            rows.AddRange(result.Rows(name, "operations", percent == 0 ? "≥ 300,000" : null));
            var batches = engine.Batches - batchesBefore;
            var requests = engine.CommittedRequests - committedBefore;
            rows.Add(new Measurement(name, "mean group-commit batch", batches == 0 ? 0 : requests / (double)batches, "requests"));
            // Where the writer's time went, per committed request (warm-up included, as the counters run throughout).
            var times = engine.Times;
            rows.Add(new Measurement(name, "writer: deciding per request", PerRequest(times.Deciding - timesBefore.Deciding, requests), "µs"));
            rows.Add(new Measurement(name, "writer: committing per request", PerRequest(times.Committing - timesBefore.Committing, requests), "µs"));
            rows.Add(new Measurement(name, "writer: publishing per request", PerRequest(times.Publishing - timesBefore.Publishing, requests), "µs"));
            // The database is written behind the log: how far behind the run left it, and how long it took to catch up.
            rows.Add(new Measurement(name, "refused by back-pressure, then retried", backPressure.Refused, "writes"));
            rows.Add(new Measurement(name, "unprojected writes at the end", host.Store.UnprojectedWrites, "writes"));
            var catchingUp = System.Diagnostics.Stopwatch.StartNew();
            while (!await host.Store.CaughtUp(context.Cancellation)) { }
            rows.Add(new Measurement(name, "projection caught up after the end", catchingUp.Elapsed.TotalMilliseconds, "ms"));
        }
        return new ScenarioResult(Name, new Dictionary<string, string>
        {
            ["accounts"] = accounts.ToString(),
            ["callers"] = callers.ToString(),
            ["seconds"] = context.Get(_seconds).ToString(),
            ["durability"] = "commit log flushed (fdatasync) per batch",
        }, rows);
    }

    private static double PerRequest(TimeSpan spent, long requests) => requests == 0 ? 0 : spent.TotalMicroseconds / requests;

    /// <summary>Writes refused 503 projection-behind: a client backs off and sends the same write again, and so does this one.</summary>
    private sealed class BackPressure
    {
        private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(20);
        private long _refused;

        public long Refused => Interlocked.Read(ref _refused);

        public async Task<WriteResult> Retrying(Func<Task<WriteResult>> write)
        {
            while (true)
            {
                try
                {
                    return await write();
                }
                catch (ProjectionBehindException)
                {
                    // Shorter than the Retry-After a server sends (1 s), so the run stays busy; long enough not to
                    // spin 2,048 callers against the projection's CPU.
                    Interlocked.Increment(ref _refused);
                    await Task.Delay(RetryDelay);
                }
            }
        }
    }

    private static async Task<Done> Issue(BillingEngine engine, Pick pick, string operationId, BackPressure backPressure)
    {
        var id = OperationMix.AccountId(pick.Account);
        var amount = new Money(OperationMix.AmountUnits);
        switch (pick.Move)
        {
            case Move.Read:
                // What GET /api/accounts/{id} does: the committed state advanced to now, rendered as JSON.
                var found = engine.TryGetAccount(id, out var state);
                if (found)
                    JsonSerializer.SerializeToUtf8Bytes(Representations.Account(AccountView.At(state, engine.Now())), Representations.Json);
                return new Done(OperationKind.Read, found);
            case Move.Credit:
                return Acknowledged(await backPressure.Retrying(() => engine.Execute(AccountWrite.Move(WriteKind.Credit, id, amount.Units, operationId))));
            case Move.Debit:
                return Acknowledged(await backPressure.Retrying(() => engine.Execute(AccountWrite.Move(WriteKind.Debit, id, amount.Units, operationId))));
            default:
                var to = OperationMix.AccountId(pick.Counterparty);
                return Acknowledged(await backPressure.Retrying(() => engine.Transfer(new TransferWrite(operationId, id, to, amount.Units))));
        }
    }

    private static Done Acknowledged(WriteResult result) => new(OperationKind.Write, result is Written { Replayed: false });

    private static void Check(WriteResult result)
    {
        if (result is not Written)
            throw new InvalidOperationException($"Setting up the accounts failed: {result}");
    }

    private static Money Units(string amount) =>
        Money.TryParsePositive(amount, out var money, out var error) ? money : throw new ArgumentException(error);

    private static Rate ParseRate(string rate) =>
        Core.Amounts.Rate.TryParse(rate, out var parsed, out var error) ? parsed : throw new ArgumentException(error);
}
