using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// Operation ids and transfer ids are remembered for the idempotency retention (<c>Billing:IdempotencyRetentionHours</c>)
/// and then forgotten: the real server over a real SQLite file, with a clock of the test's own, because the window is
/// about time. Inside it a retry replays byte for byte; after it the same id is a new request; expired rows leave the
/// file in the background; and all of it holds across a restart.
/// </summary>
public sealed class IdempotencyRetentionTests
{
    [Fact]
    public async Task By_default_a_retry_replays_for_24_hours_and_after_that_the_same_id_is_a_new_request()
    {
        var clock = new JumpingClock();
        await using var server = await RunningServer.StartAsync(null, services => services.AddSingleton<TimeProvider>(clock));
        var client = server.Client;
        (await client.OpenAccount("window-a")).EnsureSuccessStatusCode();
        (await client.OpenAccount("window-b")).EnsureSuccessStatusCode();
        var credit = await client.Credit("window-a", "10", "top-up-1");
        var transfer = await client.Transfer("window-a", "window-b", "4", "move-1");
        Assert.False(credit.Headers.Contains("Idempotent-Replayed"));
        Assert.False(transfer.Headers.Contains("Idempotent-Replayed"));

        clock.Jump(TimeSpan.FromHours(23.9));
        await AssertReplayed(credit, await client.Credit("window-a", "10", "top-up-1"));
        await AssertReplayed(transfer, await client.Transfer("window-a", "window-b", "4", "move-1"));
        Assert.Equal(("6", "4"), ((await client.Account("window-a")).Str("balance"), (await client.Account("window-b")).Str("balance")));

        clock.Jump(TimeSpan.FromHours(0.1)); // 24 hours after both were answered
        var creditAgain = await client.Credit("window-a", "10", "top-up-1");
        var transferAgain = await client.Transfer("window-a", "window-b", "4", "move-1");
        Assert.Equal(System.Net.HttpStatusCode.OK, creditAgain.StatusCode);
        Assert.False(creditAgain.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(System.Net.HttpStatusCode.OK, transferAgain.StatusCode);
        Assert.False(transferAgain.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal(("12", "8"), ((await client.Account("window-a")).Str("balance"), (await client.Account("window-b")).Str("balance")));
        // The new answers are kept for a window of their own.
        await AssertReplayed(creditAgain, await client.Credit("window-a", "10", "top-up-1"));
        await AssertReplayed(transferAgain, await client.Transfer("window-a", "window-b", "4", "move-1"));
    }

    [Fact]
    public async Task Expired_rows_are_pruned_from_the_file_in_the_background_and_a_restart_keeps_the_window()
    {
        var data = TempDirectory.Create();
        var clock = new JumpingClock();
        string[] setting = ["Billing:IdempotencyRetentionHours=2"];
        await using (var first = await RunningServer.StartAsync(data, services => services.AddSingleton<TimeProvider>(clock), setting))
        {
            var client = first.Client;
            (await client.OpenAccount("prune-a")).EnsureSuccessStatusCode();
            (await client.OpenAccount("prune-b")).EnsureSuccessStatusCode();
            for (var i = 0; i < 20; i++)
                (await client.Credit("prune-a", "1", $"old-{i}")).EnsureSuccessStatusCode();
            (await client.Transfer("prune-a", "prune-b", "1", "old-move")).EnsureSuccessStatusCode();
            // The file is written behind the commit log: the rows arrive once the projection has caught up.
            Assert.True(await Poll.Until(() => Task.FromResult(StoredKeys(data).Count == 21)), "the answers never reached the file");

            clock.Jump(TimeSpan.FromHours(2));
            (await client.Credit("prune-a", "1", "fresh")).EnsureSuccessStatusCode();
            Assert.True(await Poll.Until(() => Task.FromResult(StoredKeys(data).Count == 1)), "expired rows were not pruned");
            Assert.Equal(["prune-a|fresh"], StoredKeys(data));
        }

        await using var second = await RunningServer.StartAsync(data,
            services => services.AddSingleton<TimeProvider>(new JumpingClock(TimeSpan.FromHours(2))), setting);
        var again = second.Client;
        var balance = (await again.Account("prune-a")).Dec("balance");
        Assert.True((await again.Credit("prune-a", "1", "fresh")).Headers.Contains("Idempotent-Replayed"));
        var old = await again.Credit("prune-a", "1", "old-3");
        Assert.Equal(System.Net.HttpStatusCode.OK, old.StatusCode);
        Assert.False(old.Headers.Contains("Idempotent-Replayed"));
        Assert.True((await again.Credit("prune-a", "1", "old-3")).Headers.Contains("Idempotent-Replayed"));
        Assert.False((await again.Transfer("prune-a", "prune-b", "1", "old-move")).Headers.Contains("Idempotent-Replayed"));
        // old-3 credited 1 again and old-move moved 1 again; the replays moved nothing.
        Assert.Equal(balance, (await again.Account("prune-a")).Dec("balance"));
        Assert.Equal(2m, (await again.Account("prune-b")).Dec("balance"));
    }

    private static async Task AssertReplayed(HttpResponseMessage original, HttpResponseMessage replay)
    {
        Assert.Equal(original.StatusCode, replay.StatusCode);
        Assert.Equal("true", Assert.Single(replay.Headers.GetValues("Idempotent-Replayed")));
        Assert.Equal(await original.Content.ReadAsByteArrayAsync(), await replay.Content.ReadAsByteArrayAsync());
    }

    /// <summary>The operation ids in the SQLite file itself, read on a connection of the test's own.</summary>
    private static List<string> StoredKeys(string data)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "billing.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key FROM idempotency ORDER BY key";
        using var reader = command.ExecuteReader();
        var keys = new List<string>();
        while (reader.Read())
            keys.Add(reader.GetString(0));
        return keys;
    }
}
