using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// A cut-off that is certain goes out without waiting for the commit that records it; one that depends on a write not yet
/// durable waits for that write's fate. The store is held by a real exclusive lock from another connection, so the
/// writer's commit waits on it exactly as it would on a slow fsync, and the crash is a real kill -9.
/// </summary>
public sealed class CutoffAheadOfCommitTests
{
    [Fact]
    public async Task A_depletion_that_a_write_still_on_its_way_to_disk_could_prevent_is_not_called()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        // Long enough for the commit to wait out the lock instead of failing.
        await using var server = await RunningServer.StartAsync(null, "Billing:StorageBusyTimeoutSeconds=20");
        var client = server.Client;
        (await client.OpenAccount("saved", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
        (await client.Credit("saved", "3")).EnsureSuccessStatusCode();
        (await client.SetRate("saved", "1")).EnsureSuccessStatusCode(); // runs dry about 3 s from now
        var depletesAt = (await client.Account("saved")).Ticks("depletesAt");

        Task<HttpResponseMessage> topUp;
        await using (var locker = await LockStore(server.DataDirectory))
        {
            // Decided now, before the zero instant; its commit waits for the lock.
            topUp = client.Credit("saved", "100", "top-up");
            while (DateTime.UtcNow.Ticks < depletesAt + TimeSpan.FromSeconds(2).Ticks)
                await Task.Delay(100);
            Assert.False(topUp.IsCompleted, "the top-up was acknowledged while the store was locked");
            // The top-up may still become durable, and then the account never ran dry: no call may go out on a guess.
            Assert.Empty(receiver.CallsFor("saved"));
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
        var data = TempDirectory.Create();
        long depletesAt;
        CutoffReceiver.ReceivedCall first;
        await using (var server = await ServerProcess.StartAsync(data, "Billing__StorageBusyTimeoutSeconds=30"))
        {
            var client = server.Client;
            (await client.OpenAccount("doomed", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
            (await client.Credit("doomed", "2")).EnsureSuccessStatusCode();
            (await client.SetRate("doomed", "1")).EnsureSuccessStatusCode(); // runs dry about 2 s from now
            depletesAt = (await client.Account("doomed")).Ticks("depletesAt");

            await using var locker = await LockStore(data);
            first = Assert.Single(await receiver.WaitForAsync("doomed"));
            Assert.True(first.ArrivedTicks >= depletesAt, "the cut-off came before the zero instant");
            server.KillHard(); // the depletion's batch is still waiting for the lock: it never became durable
            Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the server survived kill -9");
        }

        await using (var restarted = await ServerProcess.StartAsync(data))
        {
            var calls = await receiver.WaitForAsync("doomed", count: 2);
            Assert.All(calls, call => Assert.Equal(first.EventId, call.EventId));
            var ledger = await Poll.UntilValue(() => restarted.Client.Ledger("doomed"), l => l.Any(e => e.Str("type") == "account.depleted"));
            var depleted = Assert.Single(ledger, e => e.Str("type") == "account.depleted");
            Assert.Equal(first.EventId, depleted.Str("eventId"));
            Assert.Equal(depletesAt, depleted.Ticks("at"));
        }
    }

    /// <summary>Holds SQLite's write lock on the server's database from another connection until disposed.</summary>
    private static async Task<SqliteConnection> LockStore(string dataDirectory)
    {
        var locker = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "billing.db")};Pooling=False");
        await locker.OpenAsync();
        using var exclusive = locker.CreateCommand();
        exclusive.CommandText = "BEGIN EXCLUSIVE";
        await exclusive.ExecuteNonQueryAsync();
        return locker;
    }
}
