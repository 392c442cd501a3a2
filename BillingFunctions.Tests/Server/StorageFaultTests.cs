using System.Net;
using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// Real faults of the real store, in the database and in the commit log. The database is written behind the log, so
/// a database that cannot be written (locked by another process, its files read-only) does not stop writes: they are
/// acknowledged from the log until the database is <c>Billing:MaxUnprojectedWrites</c> behind, then answered 503
/// projection-behind with Retry-After, and reads that need the database wait for it or get the same 503. A log that
/// cannot be written refuses every write with 503 and applies nothing. When the fault clears, everything catches up
/// without a restart: every acknowledged write is there once, every refused one applies once when retried, and what
/// fell due meanwhile happens.
/// </summary>
public sealed class StorageFaultTests
{
    internal const int Bound = 20;

    internal static readonly string[] Settings = ["Billing:StorageBusyTimeoutSeconds=1", $"Billing:MaxUnprojectedWrites={Bound}"];

    [Fact]
    public async Task While_another_connection_holds_the_database_lock_writes_go_on_from_the_log_up_to_the_bound_and_all_catch_up_on_release()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync(null, Settings);
        var client = server.Client;
        (await client.OpenAccount("busy-a")).EnsureSuccessStatusCode();
        (await client.Credit("busy-a", "10", "before-1")).EnsureSuccessStatusCode();
        (await client.OpenAccount("busy-doomed", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
        (await client.Credit("busy-doomed", "1")).EnsureSuccessStatusCode();
        (await client.SetRate("busy-doomed", "1")).EnsureSuccessStatusCode(); // runs dry about 1 s from now, during the lock
        var depletesAt = (await client.Account("busy-doomed")).Ticks("depletesAt");
        Assert.True(await client.ProjectionCaughtUp());

        List<string> acknowledged, refused;
        await using (var locker = await Lock(server.DataDirectory))
        {
            (acknowledged, refused) = await CreditUntilRefused(client, "busy-a", "during");
            await ProblemAssert.Is(await client.GetAsync("/api/accounts/busy-a/ledger"), HttpStatusCode.ServiceUnavailable, "projection-behind");
            Assert.Equal(10 + acknowledged.Count, (await client.Account("busy-a")).Dec("balance")); // from memory
            // The depletion depends on acknowledged writes only: its call does not wait for the database.
            var ahead = Assert.Single(await receiver.WaitForAsync("busy-doomed"));
            Assert.True(ahead.ArrivedTicks >= depletesAt, "the cut-off came before the zero instant");
        }

        Assert.True(await client.ProjectionCaughtUp(), "the database did not catch up after the lock was released");
        await AssertAllThereOnce(client, "busy-a", 10, acknowledged, refused);
        // The depletion that fell due during the lock is recorded once, under the id its call carried, and not called again.
        var ledger = await Poll.UntilValue(() => client.Ledger("busy-doomed"), l => l.Any(e => e.Str("type") == "account.depleted"));
        var depleted = Assert.Single(ledger, e => e.Str("type") == "account.depleted");
        Assert.Equal(depletesAt, depleted.Ticks("at"));
        var call = Assert.Single(receiver.CallsFor("busy-doomed"));
        Assert.Equal(depleted.Str("eventId"), call.EventId);
    }

    [Fact]
    public async Task While_the_database_files_are_read_only_writes_go_on_from_the_log_up_to_the_bound_and_all_catch_up_once_writable()
    {
        var data = TempDirectory.Create();
        await using var server = await ServerProcess.StartAsync(data, Settings);
        var client = server.Client;
        (await client.OpenAccount("ro-a")).EnsureSuccessStatusCode();
        for (var i = 0; i < 10; i++)
            (await client.Credit("ro-a", "1", $"before-{i}")).EnsureSuccessStatusCode();
        Assert.True(await client.ProjectionCaughtUp());
        var files = new[] { "billing.db", "billing.db-wal" }.Select(f => Path.Combine(data, f)).ToArray();

        List<string> acknowledged, refused;
        SystemCommands.Immutable(true, files);
        try
        {
            (acknowledged, refused) = await CreditUntilRefused(client, "ro-a", "during");
            Assert.NotNull((await client.Projection()).GetProperty("fault").GetString());
        }
        finally
        {
            SystemCommands.Immutable(false, files);
        }

        Assert.True(await client.ProjectionCaughtUp(), "the database did not catch up once writable");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, (await client.Projection()).GetProperty("fault").ValueKind);
        await AssertAllThereOnce(client, "ro-a", 10, acknowledged, refused);
    }

    [Fact]
    public async Task While_the_commit_log_is_read_only_writes_are_503_nothing_applies_and_writes_resume_once_writable()
    {
        var data = TempDirectory.Create();
        await using var server = await ServerProcess.StartAsync(data);
        var client = server.Client;
        (await client.OpenAccount("log-ro")).EnsureSuccessStatusCode();
        for (var i = 0; i < 10; i++)
            (await client.Credit("log-ro", "1", $"before-{i}")).EnsureSuccessStatusCode();
        var log = Path.Combine(data, "log");
        string[] entries = [log, .. Directory.GetFiles(log)]; // the directory too: no new file may be made in it

        SystemCommands.Immutable(true, entries);
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var refused = await client.Credit("log-ro", "1", $"during-{i}");
                await ProblemAssert.Is(refused, HttpStatusCode.ServiceUnavailable, "storage-unavailable");
                Assert.NotNull(refused.Headers.RetryAfter);
            }
            Assert.Equal("10", (await client.Account("log-ro")).Str("balance"));
        }
        finally
        {
            SystemCommands.Immutable(false, entries);
        }

        await AssertAllThereOnce(client, "log-ro", 0, [.. Enumerable.Range(0, 10).Select(i => $"before-{i}")],
            [.. Enumerable.Range(0, 3).Select(i => $"during-{i}")]);
    }

    /// <summary>Credits 1 under new operation ids until one is refused 503 projection-behind: the database has fallen the bound behind.</summary>
    internal static async Task<(List<string> Acknowledged, List<string> Refused)> CreditUntilRefused(HttpClient client, string account,
        string prefix, int attempts = 10 * Bound)
    {
        var acknowledged = new List<string>();
        for (var i = 0; i < attempts; i++)
        {
            var id = $"{prefix}-{i}";
            var response = await client.Credit(account, "1", id);
            if (response.IsSuccessStatusCode)
            {
                acknowledged.Add(id);
                continue;
            }
            await ProblemAssert.Is(response, HttpStatusCode.ServiceUnavailable, "projection-behind");
            Assert.NotNull(response.Headers.RetryAfter);
            // One write at a time, so the lag is exact: the bound, not one write more.
            Assert.Equal(Bound, (await client.Projection()).GetProperty("unprojectedWrites").GetInt64());
            return (acknowledged, [id]);
        }
        throw new Xunit.Sdk.XunitException($"{acknowledged.Count} writes were acknowledged past a bound of {Bound} unprojected writes");
    }

    /// <summary>
    /// Every acknowledged credit of 1 is there once (its retry replays), every refused one applies once when retried,
    /// and the ledger and balance agree.
    /// </summary>
    internal static async Task AssertAllThereOnce(HttpClient client, string account, decimal earlier, List<string> acknowledged, List<string> refused)
    {
        foreach (var id in acknowledged)
            Assert.True((await client.Credit(account, "1", id)).Headers.Contains("Idempotent-Replayed"), $"acknowledged {id} was lost");
        foreach (var id in refused)
        {
            var retried = await client.Credit(account, "1", id);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.False(retried.Headers.Contains("Idempotent-Replayed"), $"{id} was refused, yet replayed as if applied");
        }
        var credited = (await client.Ledger(account)).Where(e => e.Str("type") == "account.credited").Sum(e => e.Dec("amount"));
        Assert.Equal(earlier + acknowledged.Count + refused.Count, (await client.Account(account)).Dec("balance"));
        Assert.Equal(earlier + acknowledged.Count + refused.Count, credited);
    }

    /// <summary>Holds SQLite's write lock on the server's database from another connection until disposed.</summary>
    internal static async Task<SqliteConnection> Lock(string dataDirectory)
    {
        var locker = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "billing.db")};Pooling=False");
        await locker.OpenAsync();
        using var exclusive = locker.CreateCommand();
        exclusive.CommandText = "BEGIN EXCLUSIVE";
        await exclusive.ExecuteNonQueryAsync();
        return locker;
    }
}
