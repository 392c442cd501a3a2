using System.Net;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// kill -9 between the log flush and the projection: the database is held by a real exclusive lock from another
/// connection, so acknowledged writes are in the commit log only when the real server process is killed. The next
/// process replays them from the log: every acknowledged write is there once, and a retry gets the exact first answer,
/// both before the crash (from the log's tail in memory) and after it (from the database the replay wrote).
/// </summary>
public sealed class ProjectionCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Writes = 300;

    [Fact]
    public async Task Writes_acknowledged_from_the_log_but_not_yet_in_the_database_survive_kill_9_once_with_their_first_answers()
    {
        var data = TempDirectory.Create();
        var answers = new Dictionary<string, (HttpStatusCode Status, byte[] Body)>();
        await using (var server = await StartWithTwoAccounts(data))
        {
            var client = server.Client;

            await using (await StorageFaultTests.Lock(data))
            {
                // Concurrent, so they share batches; credits, debits and transfers, so accounts, events and answers all wait.
                var responses = await Task.WhenAll(Enumerable.Range(0, Writes).Select(async i =>
                {
                    var id = $"w-{i}";
                    var response = await Write(client, id);
                    return (id, response.StatusCode, Body: await response.Content.ReadAsByteArrayAsync());
                }));
                foreach (var (id, status, body) in responses)
                {
                    Assert.Equal(HttpStatusCode.OK, status);
                    answers[id] = (status, body);
                }
                Assert.Equal(Writes, (await client.Projection()).GetProperty("unprojectedWrites").GetInt64());
                // Before the database has them: a retry is answered from the log's tail, byte for byte.
                foreach (var id in answers.Keys.Take(30))
                    await AssertReplayed(client, id, answers[id]);

                server.KillHard();
            }
        }

        await using var restarted = await ServerProcess.StartAsync(data);
        var again = restarted.Client;
        foreach (var (id, first) in answers)
            await AssertReplayed(again, id, first);
        Assert.Equal(1000 + 100 * 2 - 100 * 1 - 100 * 1, (await again.Account("logged-a")).Dec("balance"));
        Assert.Equal(100, (await again.Account("logged-b")).Dec("balance"));
        var ledger = await again.Ledger("logged-a");
        Assert.Equal(Writes + 2, ledger.Count); // created, seed, and each write once
        Assert.Equal(ledger.Count, ledger.Select(e => e.Str("eventId")).Distinct().Count());
        DataDirectoryOwnershipTests.AssertChains(ledger);
        // The log forgets what the database now holds.
        Assert.True(await Poll.Until(async () => (await again.Projection()).GetProperty("oldestLogPosition").ValueKind == System.Text.Json.JsonValueKind.Null),
            "the log was not truncated after the replay");
        output.WriteLine($"{Writes} writes acknowledged from the log while the database was locked, then kill -9: all replayed once, first answers kept");
    }

    [Fact]
    public async Task A_start_while_the_database_is_still_locked_fails_with_the_reason_and_the_next_start_replays_the_log()
    {
        var data = TempDirectory.Create();
        var answers = new Dictionary<string, (HttpStatusCode Status, byte[] Body)>();
        Microsoft.Data.Sqlite.SqliteConnection locker;
        await using (var server = await StartWithTwoAccounts(data))
        {
            var client = server.Client;

            locker = await StorageFaultTests.Lock(data); // held across the kill and the next start
            foreach (var i in Enumerable.Range(0, 30))
            {
                var id = $"w-{i}";
                var response = await Write(client, id);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                answers[id] = (response.StatusCode, await response.Content.ReadAsByteArrayAsync());
            }
            Assert.Equal(30, (await client.Projection()).GetProperty("unprojectedWrites").GetInt64());
            server.KillHard();
        }

        try
        {
            // The replay at start cannot write while another connection holds the lock: the start fails, and says why in
            // one line, with "try again later" as its exit code.
            await using var refused = ServerProcess.Launch(data, null, "Billing:StorageBusyTimeoutSeconds=1");
            Assert.True(await refused.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the server kept running on a database it could not write");
            var said = string.Join(Environment.NewLine, refused.Output);
            Assert.Equal((75, 1), (refused.ExitCode, refused.Output.Count(line => line.Trim().Length > 0)));
            Assert.Contains("database is locked", said);
            Assert.Contains("replayed at the next start", said);
        }
        finally
        {
            await locker.DisposeAsync();
        }

        // Nothing was lost to the failed start: the next one replays every acknowledged write once.
        await using var restarted = await ServerProcess.StartAsync(data);
        foreach (var (id, first) in answers)
            await AssertReplayed(restarted.Client, id, first);
        Assert.Equal(1000 + 10 * 2 - 10 * 1 - 10 * 1, (await restarted.Client.Account("logged-a")).Dec("balance"));
        Assert.Equal(10, (await restarted.Client.Account("logged-b")).Dec("balance"));
        Assert.Equal(1 + 1 + 30, (await restarted.Client.Ledger("logged-a")).Count);
    }

    /// <summary>A server with logged-a (1000) and logged-b (0), all of it in the database.</summary>
    private static async Task<ServerProcess> StartWithTwoAccounts(string data)
    {
        var server = await ServerProcess.StartAsync(data, "Billing:StorageBusyTimeoutSeconds=1");
        var client = server.Client;
        (await client.OpenAccount("logged-a")).EnsureSuccessStatusCode();
        (await client.OpenAccount("logged-b")).EnsureSuccessStatusCode();
        (await client.Credit("logged-a", "1000", "seed")).EnsureSuccessStatusCode();
        Assert.True(await client.ProjectionCaughtUp());
        return server;
    }

    /// <summary>Write w-i: a credit of 2, a debit of 1 or a transfer of 1 to logged-b, by i mod 3; the same for a retry.</summary>
    private static async Task<HttpResponseMessage> Write(HttpClient client, string id) => (int.Parse(id[2..]) % 3) switch
    {
        0 => await client.Credit("logged-a", "2", id),
        1 => await client.Debit("logged-a", "1", id),
        _ => await client.Transfer("logged-a", "logged-b", "1", id),
    };

    private static async Task AssertReplayed(HttpClient client, string id, (HttpStatusCode Status, byte[] Body) first)
    {
        var retried = await Write(client, id);
        Assert.Equal(first.Status, retried.StatusCode);
        Assert.True(retried.Headers.Contains("Idempotent-Replayed"), $"{id} was applied again");
        Assert.Equal(first.Body, await retried.Content.ReadAsByteArrayAsync());
    }
}
