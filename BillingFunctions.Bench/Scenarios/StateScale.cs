using System.CommandLine;
using System.Diagnostics;
using BillingFunctions.Bench.Hosts;
using BillingFunctions.Bench.Reporting;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Api;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Core.Amounts;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Bench.Scenarios;

/// <summary>
/// Scale of state: a store holding N accounts with active rates (zero instants spread over days ahead, so
/// every account has a pending wake) is opened by a new engine — the restart path: load every account, arm
/// every wake. Reports the time that takes, the time to the first acknowledged write after it, and memory per
/// account (resident and managed heap) as the difference before and after the engine holds the accounts.
/// </summary>
internal sealed class StateScale : Scenario
{
    private const int SeedBatch = 20_000;

    private readonly Size<int> _small = new("--state-accounts", "accounts in the smaller store", 100_000, 5_000);
    private readonly Size<int> _large = new("--state-accounts-large", "accounts in the larger store (restart target)", 1_000_000, 20_000);

    public override string Name => "state";
    public override string Description => "Memory per account and restart time (load accounts, rebuild timers) at two sizes.";
    public override IEnumerable<Option> Options => [_small.Option, _large.Option];

    public override async Task<ScenarioResult> RunAsync(RunContext context)
    {
        var rows = new List<Measurement>();
        foreach (var accounts in new[] { context.Get(_small), context.Get(_large) })
            rows.AddRange(await MeasureAsync(context, accounts));
        return new ScenarioResult(Name, new Dictionary<string, string>
        {
            ["sizes"] = $"{context.Get(_small)}, {context.Get(_large)}",
            ["seeding"] = "account rows written through the store's own commit, states made by the decider (open, credit, rate)",
        }, rows);
    }

    private static async Task<IEnumerable<Measurement>> MeasureAsync(RunContext context, int accounts)
    {
        var directory = context.NewDataDirectory($"state-{accounts}");
        Seed(context, directory, accounts);
        var tail = await LeaveUnprojectedTail(context, directory, accounts);

        context.Progress.Stage($"{accounts:N0} accounts: restarting");
        var before = ProcessMemory.Now();
        var clock = Stopwatch.StartNew();
        await using var host = EngineHost.Open(directory);
        var loaded = clock.Elapsed;
        host.Engine.Start();
        var first = await host.Engine.Execute(AccountWrite.Move(WriteKind.Credit, AccountId(0), 1, "after-restart"));
        var firstWrite = clock.Elapsed;
        if (first is not Written)
            throw new InvalidOperationException($"The first write after restart failed: {first}");
        var wakes = host.Engine.ScheduledWakes;
        var after = ProcessMemory.Now();
        GC.KeepAlive(host);

        var @case = $"{accounts:N0} accounts";
        var perAccountTarget = accounts >= 100_000 ? "≤ 1,024" : null;
        return
        [
            new Measurement(@case, "log tail replayed at the restart", tail, "writes"),
            new Measurement(@case, "restart: replay the log tail + load accounts + arm wakes", loaded.TotalSeconds, "s", accounts >= 1_000_000 ? "≤ 5" : null),
            new Measurement(@case, "restart to first acknowledged write", firstWrite.TotalSeconds, "s"),
            new Measurement(@case, "wakes armed", wakes, "timers"),
            new Measurement(@case, "resident memory per account", (after.Resident - before.Resident) / (double)accounts, "bytes", perAccountTarget),
            new Measurement(@case, "managed heap per account", (after.ManagedHeap - before.ManagedHeap) / (double)accounts, "bytes", perAccountTarget),
        ];
    }

    /// <summary>
    /// Writes N accounts as the engine would have left them, in big transactions. Only account rows: a restart
    /// reads nothing else (events, holds and idempotency records stay on disk).
    /// </summary>
    private static void Seed(RunContext context, string directory, int accounts)
    {
        context.Progress.Stage($"{accounts:N0} accounts: seeding the store");
        using var store = new SqliteStore(directory, flushLog: true);
        var now = DateTime.UtcNow.Ticks;
        var balance = new Money(100 * Money.UnitsPerWhole);
        for (var from = 0; from < accounts; from += SeedBatch)
        {
            var batch = new CommitBatch();
            for (var i = from; i < Math.Min(accounts, from + SeedBatch); i++)
            {
                var id = AccountId(i);
                var state = AccountDecider.Open(null, id, "USD", null, null, now).State;
                state = AccountDecider.Decide(state, new Credit($"fund-{i}", balance), now).State;
                // 100 units lasting from one to four days: every account has a zero instant, so every account has a wake.
                var seconds = 86_400L + i % (3 * 86_400L);
                state = AccountDecider.Decide(state, new SetRate($"rate-{i}", new Rate(balance.Units * 1_000_000 / seconds)), now).State;
                batch.Accounts[id] = state;
            }
            store.Commit(batch);
            context.Progress.Report("seeded", Math.Min(accounts, from + SeedBatch), accounts);
        }
        context.Progress.Done();
    }

    /// <summary>
    /// Leaves the most a crash can leave between the commit log and the database: credits acknowledged from the log
    /// (one per account, up to <see cref="TailWrites"/>, below the engine's default bound on unprojected writes) while
    /// another connection holds the database's write lock, then a stop that cannot write them into the database.
    /// </summary>
    private static async Task<int> LeaveUnprojectedTail(RunContext context, string directory, int accounts)
    {
        var tail = Math.Min(accounts, TailWrites);
        context.Progress.Stage($"{accounts:N0} accounts: {tail:N0} writes into the commit log only");
        var host = EngineHost.Open(directory);
        using var locker = new SqliteConnection($"Data Source={Path.Combine(directory, "billing.db")};Pooling=False");
        locker.Open();
        using (var exclusive = locker.CreateCommand())
        {
            exclusive.CommandText = "BEGIN EXCLUSIVE";
            exclusive.ExecuteNonQuery();
        }
        host.Engine.Start();
        await Parallel.ForAsync(0, tail, new ParallelOptions { MaxDegreeOfParallelism = 256 }, async (i, _) =>
        {
            if (await host.Engine.Execute(AccountWrite.Move(WriteKind.Credit, AccountId(i), 1, $"tail-{i}")) is not Written)
                throw new InvalidOperationException("A write of the log tail failed");
        });
        if (host.Store.UnprojectedWrites != tail)
            throw new InvalidOperationException($"{host.Store.UnprojectedWrites} writes are waiting for the database, not {tail}");
        await host.DisposeAsync(); // the database is still locked: the tail stays in the log only
        await Task.Delay(TimeSpan.FromSeconds(1)); // its threads end, so the memory measured next starts without its garbage
        return tail;
    }

    private const int TailWrites = 40_000;

    private static string AccountId(int index) => $"acct-{index:D7}";
}
