using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// A cut-off that is certain goes out without waiting for the commit that records it; one that depends on a write not yet
/// durable waits for that write's fate. The commit log lives on a real file system that the test freezes, so the
/// writer's log flush blocks in the kernel exactly as it would on a stalled disk, and the crash is a real kill -9.
/// </summary>
public sealed class CutoffAheadOfCommitTests
{
    [Fact]
    public async Task A_depletion_that_a_write_still_on_its_way_to_disk_could_prevent_is_not_called()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var disk = FrozenDisk.Create();
        await using var server = await RunningServer.StartAsync(null, $"Billing:LogDirectory={Path.Combine(disk.Path, "log")}");
        var client = server.Client;
        (await client.OpenAccount("saved", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
        (await client.Credit("saved", "3")).EnsureSuccessStatusCode();
        (await client.SetRate("saved", "1")).EnsureSuccessStatusCode(); // runs dry about 3 s from now
        var depletesAt = (await client.Account("saved")).Ticks("depletesAt");

        Task<HttpResponseMessage> topUp;
        disk.Freeze();
        try
        {
            // Decided now, before the zero instant; its log flush waits for the disk.
            topUp = client.Credit("saved", "100", "top-up");
            while (DateTime.UtcNow.Ticks < depletesAt + TimeSpan.FromSeconds(2).Ticks)
                await Task.Delay(100);
            Assert.False(topUp.IsCompleted, "the top-up was acknowledged while its log flush could not happen");
            // The top-up may still become durable, and then the account never ran dry: no call may go out on a guess.
            Assert.Empty(receiver.CallsFor("saved"));
        }
        finally
        {
            disk.Thaw();
        }

        var acknowledged = await topUp;
        acknowledged.EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(2)); // time for a wrong call to arrive
        Assert.Empty(receiver.CallsFor("saved"));
        Assert.DoesNotContain(await client.Ledger("saved"), e => e.Str("type") == "account.depleted");
        Assert.Equal("active", (await client.Account("saved")).Str("status"));
    }

    [Fact]
    public async Task A_call_sent_before_its_commit_is_sent_again_with_the_same_event_id_after_a_crash_before_the_commit()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var disk = FrozenDisk.Create();
        var data = TempDirectory.Create();
        var log = Path.Combine(disk.Path, "log");
        // What the disks held when the process died: copied while the log is frozen, before the kill.
        var dataAtCrash = TempDirectory.Create();
        var logAtCrash = TempDirectory.Create();
        long depletesAt;
        CutoffReceiver.ReceivedCall first;
        await using (var server = await ServerProcess.StartAsync(data, $"Billing:LogDirectory={log}"))
        {
            var client = server.Client;
            (await client.OpenAccount("doomed", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
            (await client.Credit("doomed", "2")).EnsureSuccessStatusCode();
            (await client.SetRate("doomed", "1")).EnsureSuccessStatusCode(); // runs dry about 2 s from now
            depletesAt = (await client.Account("doomed")).Ticks("depletesAt");
            Assert.True(await client.ProjectionCaughtUp());

            disk.Freeze();
            try
            {
                first = Assert.Single(await receiver.WaitForAsync("doomed"));
                Assert.True(first.ArrivedTicks >= depletesAt, "the cut-off came before the zero instant");
                // The depletion's batch is still waiting to reach the log, and the database is idle behind it: this is
                // the state a crash now leaves. (The process cannot finish dying while its flush is frozen in the kernel.)
                CopyDirectory(data, dataAtCrash);
                CopyDirectory(log, logAtCrash);
                server.SendKill();
            }
            finally
            {
                disk.Thaw();
            }
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the server survived kill -9");
        }

        await using (var restarted = await ServerProcess.StartAsync(dataAtCrash, $"Billing:LogDirectory={logAtCrash}"))
        {
            var calls = await receiver.WaitForAsync("doomed", count: 2);
            Assert.All(calls, call => Assert.Equal(first.EventId, call.EventId));
            var ledger = await Poll.UntilValue(() => restarted.Client.Ledger("doomed"), l => l.Any(e => e.Str("type") == "account.depleted"));
            var depleted = Assert.Single(ledger, e => e.Str("type") == "account.depleted");
            Assert.Equal(first.EventId, depleted.Str("eventId"));
            Assert.Equal(depletesAt, depleted.Ticks("at"));
        }
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from))
        {
            var name = Path.GetFileName(file);
            if (name is "LOCK" or "billing.lock" || name.EndsWith("-shm", StringComparison.Ordinal))
                continue; // locks and SQLite's shared-memory index belong to the running process, not to what is on the disk
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }
    }
}
