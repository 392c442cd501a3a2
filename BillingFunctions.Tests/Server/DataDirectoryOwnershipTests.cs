using System.Net;
using System.Text.Json;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// One server process per data directory, with real processes: a second one on the same directory is refused at
/// start and the first keeps serving a ledger that chains; after kill -9 the lock is gone with the process and a new
/// one starts at once; and where a lock is not honoured, a process whose database was claimed by another stops writing.
/// </summary>
public sealed class DataDirectoryOwnershipTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_second_server_on_the_same_directory_exits_at_once_naming_the_owner_and_the_first_keeps_a_ledger_that_chains()
    {
        var data = TempDirectory.Create();
        await using var first = await ServerProcess.StartAsync(data);
        var client = first.Client;
        (await client.OpenAccount("shared")).EnsureSuccessStatusCode();
        (await client.Credit("shared", "10")).EnsureSuccessStatusCode();

        await using var second = ServerProcess.Launch(data, null);
        Assert.True(await second.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the second server is still running on a directory that is in use");
        Assert.Equal(DataDirectoryInUseException.ExitCode, second.ExitCode);
        var error = Assert.Single(second.Output);
        output.WriteLine(error);
        Assert.Contains(Path.GetFullPath(data), error, StringComparison.Ordinal);
        Assert.Contains($"process {first.Id}", error, StringComparison.Ordinal);
        Assert.Contains("Billing:DataDirectory", error, StringComparison.Ordinal);
        Assert.Contains("Billing:DataDirectoryLockWaitSeconds", error, StringComparison.Ordinal);

        // The rest of the scenario that used to double-spend: the refused process claimed nothing, so the first one
        // still owns the database and every write of it commits.
        (await client.Credit("shared", "10")).EnsureSuccessStatusCode();
        (await client.Credit("shared", "10")).EnsureSuccessStatusCode();
        (await client.Debit("shared", "15")).EnsureSuccessStatusCode();
        (await client.Debit("shared", "15")).EnsureSuccessStatusCode();
        await ProblemAssert.Is(await client.Debit("shared", "0.01"), HttpStatusCode.Conflict, "insufficient-funds");

        var ledger = await client.Ledger("shared");
        Assert.Equal(
            ["account.created 0->0", "account.credited 0->10", "account.credited 10->20", "account.credited 20->30",
             "account.debited 30->15", "account.debited 15->0"],
            ledger.Select(e => $"{e.Str("type")} {e.Str("balanceBefore")}->{e.Str("balanceAfter")}"));
        AssertChains(ledger);
        Assert.Equal("0", (await client.Account("shared")).Str("balance"));
    }

    [Fact]
    public async Task A_store_opened_by_another_program_on_a_served_directory_is_refused_and_changes_nothing()
    {
        var data = TempDirectory.Create();
        await using var server = await ServerProcess.StartAsync(data);
        (await server.Client.OpenAccount("tooled")).EnsureSuccessStatusCode();

        // What the benchmark or a maintenance tool does to open the database: the same lock, in this test's process.
        var refused = Assert.Throws<DataDirectoryInUseException>(() => new SqliteStore(data));
        Assert.Equal(server.Id, refused.Holder);
        Assert.Equal(Path.GetFullPath(data), refused.Directory);

        // Nothing was claimed: the server still owns its database and writes.
        (await server.Client.Credit("tooled", "1")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("/api/health")).StatusCode);
    }

    [Fact]
    public async Task After_kill_9_of_the_owner_a_new_server_takes_the_directory_at_once_and_recovers_every_acknowledged_write()
    {
        var data = TempDirectory.Create();
        var acknowledged = 0;
        var owner = await ServerProcess.StartAsync(data);
        try
        {
            (await owner.Client.OpenAccount("crashed")).EnsureSuccessStatusCode();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    try
                    {
                        if ((await owner.Client.Credit("crashed", "1", $"k-{w}-{i}")).IsSuccessStatusCode)
                            Interlocked.Increment(ref acknowledged);
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        return; // the process died under this request: never acknowledged
                    }
                }
            })).ToArray();
            Assert.True(await Poll.Until(() => Task.FromResult(Volatile.Read(ref acknowledged) >= 200)), "the writers made no progress");
            owner.KillHard();
            stop.Cancel();
            await Task.WhenAll(writers);
        }
        finally
        {
            await owner.DisposeAsync();
        }

        // No wait configured: this start fails at once if the dead process's lock were still held.
        await using var successor = await ServerProcess.StartAsync(data);
        var client = successor.Client;
        var ledger = await client.Ledger("crashed");
        AssertChains(ledger);
        var credited = ledger.Count(e => e.Str("type") == "account.credited");
        Assert.True(credited >= acknowledged, $"{acknowledged} credits acknowledged, {credited} in the ledger");
        Assert.Equal(credited, (int)(await client.Account("crashed")).Dec("balance"));
        (await client.Credit("crashed", "1", "after-the-crash")).EnsureSuccessStatusCode();
        Assert.Equal(credited + 1, (int)(await client.Account("crashed")).Dec("balance"));
        output.WriteLine($"{acknowledged} credits acknowledged before kill -9; {credited} recovered by the next process");
    }

    [Fact]
    public async Task When_another_instance_claims_the_database_underneath_a_server_it_refuses_that_batch_and_every_later_write_with_503()
    {
        var data = TempDirectory.Create();
        await using var server = await ServerProcess.StartAsync(data);
        var client = server.Client;
        (await client.OpenAccount("claimed")).EnsureSuccessStatusCode();
        (await client.Credit("claimed", "10", "before-the-claim")).EnsureSuccessStatusCode();
        Assert.True(await client.ProjectionCaughtUp()); // the file is written behind the commit log

        // A file system that does not honour the lock file lets a second process in; what that process does first is
        // claim the owner row. Here a second real connection does just that.
        await using var intruder = new SqliteConnection($"Data Source={Path.Combine(data, "billing.db")};Pooling=False");
        await intruder.OpenAsync();
        var ownerBefore = await Scalar<string>(intruder, "SELECT instance FROM owner");
        var eventsBefore = await Scalar<long>(intruder, "SELECT count(*) FROM events");
        await Execute(intruder, "UPDATE owner SET instance = 'intruder', process_id = 4242, host = 'elsewhere'");

        var refused = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => client.Credit("claimed", "1", $"refused-{i}")));
        foreach (var response in refused)
        {
            await ProblemAssert.Is(response, HttpStatusCode.ServiceUnavailable, "not-owner");
            Assert.True(response.Headers.RetryAfter is not null, "a 503 names when to retry");
        }
        Assert.Equal(eventsBefore, await Scalar<long>(intruder, "SELECT count(*) FROM events"));
        Assert.Equal(0, await Scalar<long>(intruder, "SELECT count(*) FROM idempotency WHERE key LIKE '%refused-%'"));
        Assert.Equal(10_000_000, await Scalar<long>(intruder, "SELECT balance FROM accounts WHERE account_id = 'claimed'"));
        Assert.Equal("10", (await client.Account("claimed")).Str("balance"));

        // It stopped writing for good: even with its own id back in the row, a write is refused, and so is a new account.
        await Execute(intruder, $"UPDATE owner SET instance = '{ownerBefore}'");
        await ProblemAssert.Is(await client.Credit("claimed", "1", "later"), HttpStatusCode.ServiceUnavailable, "not-owner");
        await ProblemAssert.Is(await client.OpenAccount("another"), HttpStatusCode.ServiceUnavailable, "not-owner");
        var health = await client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
        var lost = (await health.Json()).GetProperty("owner").GetProperty("lost").GetString();
        Assert.Contains("Process 4242 on elsewhere", lost, StringComparison.Ordinal);
        Assert.Equal(eventsBefore, await Scalar<long>(intruder, "SELECT count(*) FROM events"));

        // The refused operations were never applied: at the next owner the same ids apply, once.
        server.KillHard();
        await using var next = await ServerProcess.StartAsync(data);
        foreach (var id in Enumerable.Range(0, 8).Select(i => $"refused-{i}"))
        {
            var retried = await next.Client.Credit("claimed", "1", id);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.False(retried.Headers.Contains("Idempotent-Replayed"), $"{id} was refused, yet replayed as if applied");
        }
        Assert.Equal("18", (await next.Client.Account("claimed")).Str("balance"));
        AssertChains(await next.Client.Ledger("claimed"));
    }

    /// <summary>Every event starts where the one before ended (less the consumption between them), and no account is opened twice.</summary>
    internal static void AssertChains(IReadOnlyList<JsonElement> ledger)
    {
        Assert.Single(ledger, e => e.Str("type") == "account.created");
        for (var i = 1; i < ledger.Count; i++)
            Assert.True(ledger[i - 1].Dec("balanceAfter") - ledger[i].Dec("consumed") == ledger[i].Dec("balanceBefore"),
                $"event {i} ({ledger[i].Str("type")}) starts at {ledger[i].Str("balanceBefore")}, the one before ended at {ledger[i - 1].Str("balanceAfter")}");
    }

    private static async Task<T> Scalar<T>(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task Execute(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}
