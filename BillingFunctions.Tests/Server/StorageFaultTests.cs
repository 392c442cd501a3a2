using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// Real faults of the real store: the database locked by another process (SQLite busy) and the disk full.
/// While the fault lasts writes get a clear 5xx problem and nothing is acknowledged; reads go on; when it clears
/// writes succeed again without a restart, every acknowledged write is there once, and what fell due meanwhile happens.
/// </summary>
public sealed class StorageFaultTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task While_another_connection_holds_the_write_lock_writes_are_503_and_resume_when_it_is_released()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync(null, "Billing:StorageBusyTimeoutSeconds=1");
        var client = server.Client;
        (await client.OpenAccount("busy-a")).EnsureSuccessStatusCode();
        (await client.Credit("busy-a", "10", "before-1")).EnsureSuccessStatusCode();
        (await client.OpenAccount("busy-doomed", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
        (await client.Credit("busy-doomed", "1")).EnsureSuccessStatusCode();
        (await client.SetRate("busy-doomed", "1")).EnsureSuccessStatusCode(); // runs dry about 1 s from now, during the lock
        var depletesAt = (await client.Account("busy-doomed")).Ticks("depletesAt");

        await using (var locker = new SqliteConnection($"Data Source={Path.Combine(server.DataDirectory, "billing.db")};Pooling=False"))
        {
            await locker.OpenAsync();
            using (var exclusive = locker.CreateCommand())
            {
                exclusive.CommandText = "BEGIN EXCLUSIVE";
                await exclusive.ExecuteNonQueryAsync();
            }

            var during = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => client.Credit("busy-a", "1", $"during-{i}")));
            foreach (var response in during)
            {
                await ProblemAssert.Is(response, HttpStatusCode.ServiceUnavailable, "storage-unavailable");
                Assert.True(response.Headers.RetryAfter is not null, "a 503 names when to retry");
            }
            Assert.True(DateTime.UtcNow.Ticks > depletesAt, "the lock did not outlast the zero instant");
            // Queued behind the wake that fell due during the lock: when this one is refused, so was the wake's batch.
            await ProblemAssert.Is(await client.Credit("busy-a", "1", "during-last"), HttpStatusCode.ServiceUnavailable, "storage-unavailable");
            Assert.Equal("10", (await client.Account("busy-a")).Str("balance")); // reads go on from memory
            // The depletion depends on acknowledged writes only: its call does not wait for a store that cannot commit.
            var ahead = Assert.Single(await receiver.WaitForAsync("busy-doomed"));
            Assert.True(ahead.ArrivedTicks >= depletesAt, "the cut-off came before the zero instant");
        }

        // Released: the refused operations were never applied, so the same ids now apply, once.
        foreach (var id in new[] { "during-0", "during-1", "during-2", "during-3", "during-last" })
        {
            var retried = await client.Credit("busy-a", "1", id);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.False(retried.Headers.Contains("Idempotent-Replayed"), $"{id} was refused, yet replayed as if applied");
        }
        Assert.True((await client.Credit("busy-a", "10", "before-1")).Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("15", (await client.Account("busy-a")).Str("balance"));

        // The depletion that fell due while the store refused every commit is recorded once, under the id its call carried,
        // and the call is not made again.
        var ledger = await Poll.UntilValue(() => client.Ledger("busy-doomed"), l => l.Any(e => e.Str("type") == "account.depleted"));
        var depleted = Assert.Single(ledger, e => e.Str("type") == "account.depleted");
        Assert.Equal(depletesAt, depleted.Ticks("at"));
        var call = Assert.Single(receiver.CallsFor("busy-doomed"));
        Assert.Equal(depleted.Str("eventId"), call.EventId);
    }

    [Fact]
    public async Task When_the_disk_is_full_writes_are_507_reads_go_on_and_writes_resume_once_space_is_freed()
    {
        var data = TempDirectory.Create();
        if (!Mount(data, "8m"))
        {
            output.WriteLine("Cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN); the disk-full fault was not exercised.");
            return;
        }
        var filler = Path.Combine(data, "filler");
        try
        {
            await using var server = await ServerProcess.StartAsync(data);
            var client = server.Client;
            (await client.OpenAccount("full-a")).EnsureSuccessStatusCode();
            var acknowledged = new ConcurrentBag<string>();
            var padding = new string('x', 100); // a long operation id makes each write take more room
            for (var i = 0; i < 20; i++)
            {
                (await client.Credit("full-a", "0.000001", $"before-{i}-{padding}")).EnsureSuccessStatusCode();
                acknowledged.Add($"before-{i}-{padding}");
            }

            // Fill the disk to the last byte, then write until the store refuses.
            await using (var file = File.Create(filler))
            {
                var chunk = new byte[64 * 1024];
                try
                {
                    while (true)
                        file.Write(chunk);
                }
                catch (IOException)
                {
                    // No space left on the device: exactly the fault under test.
                }
            }
            var refused = 0;
            for (var i = 0; i < 5000 && refused < 3; i++)
            {
                var id = $"fill-{i}-{padding}";
                var response = await client.Credit("full-a", "0.000001", id);
                if (response.IsSuccessStatusCode)
                    acknowledged.Add(id);
                else
                {
                    await ProblemAssert.Is(response, HttpStatusCode.InsufficientStorage, "storage-full");
                    refused++;
                }
            }
            Assert.True(refused == 3, $"the full disk never refused a write ({acknowledged.Count} acknowledged)");
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/accounts/full-a")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/accounts/full-a/ledger")).StatusCode);

            // Space freed: writes succeed again, in the same process.
            File.Delete(filler);
            var after = await client.Credit("full-a", "1", "after-full");
            Assert.Equal(HttpStatusCode.OK, after.StatusCode);
            foreach (var id in acknowledged)
                Assert.True((await client.Credit("full-a", "0.000001", id)).Headers.Contains("Idempotent-Replayed"), $"acknowledged {id} was lost");
            var ledger = await client.Ledger("full-a");
            var credits = ledger.Where(e => e.Str("type") == "account.credited").ToList();
            Assert.Equal(acknowledged.Count + 1, credits.Count);
            Assert.Equal(credits.Sum(e => e.Dec("amount")), (await client.Account("full-a")).Dec("balance"));
            output.WriteLine($"{acknowledged.Count} writes acknowledged around the full disk; 3 refused with 507; all present once after space was freed");
        }
        finally
        {
            File.Delete(filler);
            Unmount(data);
        }
    }

    [Fact]
    public async Task While_the_database_files_are_read_only_writes_are_503_and_resume_when_they_are_writable_again()
    {
        var data = TempDirectory.Create();
        await using var server = await ServerProcess.StartAsync(data);
        var client = server.Client;
        (await client.OpenAccount("ro-a")).EnsureSuccessStatusCode();
        for (var i = 0; i < 10; i++)
            (await client.Credit("ro-a", "1", $"before-{i}")).EnsureSuccessStatusCode();
        // Immutable, not chmod: the tests run as root, which ignores permission bits; this flag binds root too,
        // even on the file descriptors SQLite already holds open.
        var files = new[] { "billing.db", "billing.db-wal" }.Select(f => Path.Combine(data, f)).ToArray();
        if (!Run("chattr", ["+i", .. files]))
        {
            output.WriteLine("chattr +i is not permitted here; the read-only fault was not exercised.");
            return;
        }
        try
        {
            for (var i = 0; i < 3; i++)
            {
                var refused = await client.Credit("ro-a", "1", $"during-{i}");
                await ProblemAssert.Is(refused, HttpStatusCode.ServiceUnavailable, "storage-unavailable");
                Assert.NotNull(refused.Headers.RetryAfter);
            }
            Assert.Equal("10", (await client.Account("ro-a")).Str("balance"));
        }
        finally
        {
            Run("chattr", ["-i", .. files]);
        }

        for (var i = 0; i < 3; i++)
        {
            var retried = await client.Credit("ro-a", "1", $"during-{i}");
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.False(retried.Headers.Contains("Idempotent-Replayed"), "a refused write had been applied");
        }
        for (var i = 0; i < 10; i++)
            Assert.True((await client.Credit("ro-a", "1", $"before-{i}")).Headers.Contains("Idempotent-Replayed"));
        var ledger = await client.Ledger("ro-a");
        Assert.Equal(13, ledger.Count(e => e.Str("type") == "account.credited"));
        Assert.Equal("13", (await client.Account("ro-a")).Str("balance"));
    }

    private static bool Mount(string path, string size) => Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);

    private static void Unmount(string path)
    {
        if (!Run("umount", path))
            Run("umount", "-l", path);
    }

    private static bool Run(string command, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in args)
                info.ArgumentList.Add(arg);
            using var process = Process.Start(info)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such command here
        }
    }
}
