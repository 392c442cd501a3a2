using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// kill -9 of the real server process under write load, then restart on the same data directory:
/// every acknowledged operation is there exactly once, and cut-offs that fell due while it was down fire.
/// </summary>
public sealed class CrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Cycles = 3;

    [Fact]
    public async Task Acknowledged_writes_survive_kill_9_and_due_cutoffs_fire_after_restart()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        var data = TempDirectory.Create();
        var accounts = Enumerable.Range(0, 10).Select(i => $"crash-{i}").ToArray();
        var acknowledged = new ConcurrentDictionary<string, (string Account, long Units)>();
        var doomed = new List<(string Account, long DepletesAt)>();

        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            var server = await ServerProcess.StartAsync(data);
            if (cycle == 0)
                foreach (var id in accounts)
                    (await server.Client.OpenAccount(id)).EnsureSuccessStatusCode();

            // An account that runs dry about 1 s from now, i.e. while the server is down.
            var victim = $"doomed-{cycle}";
            (await server.Client.OpenAccount(victim, new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
            (await server.Client.Credit(victim, "1")).EnsureSuccessStatusCode();
            (await server.Client.SetRate(victim, "1")).EnsureSuccessStatusCode();
            doomed.Add((victim, (await server.Client.Account(victim)).Ticks("depletesAt")));

            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 16).Select(writer => Task.Run(async () =>
            {
                var random = new Random(cycle * 100 + writer);
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var account = accounts[random.Next(accounts.Length)];
                    var units = random.Next(1, 1_000_000);
                    var operationId = $"c{cycle}-w{writer}-{i}";
                    try
                    {
                        var response = await server.Client.Credit(account, Format(units), operationId);
                        if (response.IsSuccessStatusCode)
                            acknowledged[operationId] = (account, units);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return; // the connection died with the server: that write was never acknowledged
                    }
                }
            })).ToArray();

            await Task.Delay(400 + new Random(cycle).Next(400));
            server.KillHard();
            stop.Cancel();
            await Task.WhenAll(writers);
            await server.DisposeAsync();
            await Task.Delay(1200); // the doomed account's zero instant passes while nothing runs
        }

        await using var last = await ServerProcess.StartAsync(data);
        Assert.True(acknowledged.Count > 100, $"only {acknowledged.Count} writes were acknowledged; the load did not run");

        // Every acknowledged write replays as already done (it is stored) and is not applied again.
        foreach (var (operationId, (account, units)) in acknowledged)
        {
            var replay = await last.Client.Credit(account, Format(units), operationId);
            Assert.True(replay.IsSuccessStatusCode, $"{operationId}: {replay.StatusCode}");
            Assert.True(replay.Headers.Contains("Idempotent-Replayed"), $"acknowledged {operationId} was lost");
        }
        foreach (var id in accounts)
        {
            var ledger = await last.Client.Ledger(id);
            var credits = ledger.Where(e => e.Str("type") == "account.credited").ToList();
            Assert.Equal(credits.Count, credits.Select(e => e.Str("operationId")).Distinct().Count());
            Assert.Equal(credits.Sum(e => e.Dec("amount")), (await last.Client.Account(id)).Dec("balance"));
            var acknowledgedHere = acknowledged.Where(a => a.Value.Account == id).Select(a => a.Key).ToHashSet();
            Assert.Subset(credits.Select(e => e.Str("operationId")).ToHashSet(), acknowledgedHere);
        }
        foreach (var (victim, depletesAt) in doomed)
        {
            var calls = await receiver.WaitForAsync(victim);
            Assert.NotEmpty(calls);
            Assert.All(calls, c => Assert.True(c.ArrivedTicks >= depletesAt));
            Assert.Single(await last.Client.Ledger(victim), e => e.Str("type") == "account.depleted");
        }
        output.WriteLine($"{Cycles} kill -9 cycles; {acknowledged.Count} acknowledged writes all present once; "
            + $"{doomed.Count} cut-offs due during downtime delivered after restart");
    }

    private static string Format(long units) => (units / 1_000_000m).ToString(CultureInfo.InvariantCulture);
}
