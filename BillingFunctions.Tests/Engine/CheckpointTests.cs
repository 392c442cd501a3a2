using System.Buffers.Binary;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Engine;

/// <summary>
/// The write-ahead log is copied into the database file outside SQLite's commit path (<c>WalCheckpoints</c>). Under
/// writes that never pause, the log must still rewind, or it grows without bound. A rewind is read from the log file
/// itself: SQLite increments the checkpoint sequence number in the log's header each time it starts the log over.
/// Everything acknowledged must be in the database after a reopen.
/// </summary>
public sealed class CheckpointTests(ITestOutputHelper output)
{
    [Fact]
    public Task With_the_background_checkpoints_the_log_rewinds_under_constant_writes_and_nothing_acknowledged_is_lost() =>
        WriteUntilTheLogRewinds(WalCheckpoints.BackgroundInterval);

    [Fact]
    public Task The_writers_own_checkpoints_rewind_the_log_even_without_the_background_ones() =>
        // Without the background thread nothing else copies the log: only the writer's checkpoints can let it rewind.
        WriteUntilTheLogRewinds(backgroundCheckpoints: null);

    [Fact]
    public async Task Health_reports_the_checkpoints()
    {
        await using var server = await RunningServer.StartAsync();
        (await server.Client.OpenAccount("hc")).EnsureSuccessStatusCode();
        (await server.Client.Credit("hc", "1")).EnsureSuccessStatusCode();
        Assert.True(await Poll.Until(async () =>
            (await (await server.Client.GetAsync("/api/health")).Json()).GetProperty("checkpoints").GetProperty("completed").GetInt64() > 0));
        var checkpoints = (await (await server.Client.GetAsync("/api/health")).Json()).GetProperty("checkpoints");
        Assert.Equal(0, checkpoints.GetProperty("failed").GetInt64());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, checkpoints.GetProperty("lastError").ValueKind);
    }

    private async Task WriteUntilTheLogRewinds(TimeSpan? backgroundCheckpoints)
    {
        const int accounts = 32;
        const int rewindsWanted = 3;
        var data = TempDirectory.Create();
        var acknowledged = new long[accounts];
        int firstRewind, lastRewind;
        using (var store = new SqliteStore(data, flushLog: true, busyTimeoutSeconds: 5, backgroundCheckpoints))
        {
            await using var engine = new BillingEngine(store, TimeProvider.System, NullLogger<BillingEngine>.Instance, () => null);
            engine.Start();
            for (var a = 0; a < accounts; a++)
                Assert.IsType<Written>(await engine.Execute(AccountWrite.Open($"c-{a}", "USD")));
            firstRewind = LogRewinds(store.Path);

            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            var callers = Enumerable.Range(0, accounts * 4).Select(caller => Task.Run(async () =>
            {
                var account = caller % accounts;
                for (var n = 0; !stop.IsCancellationRequested; n++)
                {
                    var result = await engine.Execute(AccountWrite.Move(WriteKind.Credit, $"c-{account}", 1, $"{caller}-{n}"));
                    Assert.IsType<Written>(result);
                    Interlocked.Increment(ref acknowledged[account]);
                }
            })).ToList();

            while (!stop.IsCancellationRequested && LogRewinds(store.Path) - firstRewind < rewindsWanted)
                await Task.Delay(50);
            lastRewind = LogRewinds(store.Path);
            var stats = store.CheckpointStats;
            stop.Cancel();
            await Task.WhenAll(callers);
            output.WriteLine($"{acknowledged.Sum()} credits acknowledged while the log rewound {lastRewind - firstRewind} times; "
                + $"{stats.Completed} checkpoints, {stats.Failed} failed");
            Assert.True(lastRewind - firstRewind >= rewindsWanted, $"the log did not rewind while writes continued: {stats}");
            Assert.Equal(0, stats.Failed);
        }

        using var reopened = new SqliteStore(data);
        var balances = reopened.LoadAccounts().ToDictionary(a => a.AccountId, a => a.Balance.Units);
        for (var a = 0; a < accounts; a++)
            Assert.Equal(acknowledged[a], balances[$"c-{a}"]);
    }

    /// <summary>The checkpoint sequence number in the log's header (bytes 12–15, big-endian): one more per rewind.</summary>
    private static int LogRewinds(string databasePath)
    {
        using var log = new FileStream(databasePath + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        Span<byte> header = stackalloc byte[16];
        log.ReadExactly(header);
        return BinaryPrimitives.ReadInt32BigEndian(header[12..]);
    }
}
