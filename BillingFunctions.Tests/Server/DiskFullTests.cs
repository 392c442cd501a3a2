using System.Net;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// A real full disk: a small tmpfs filled to the last byte. When the commit log's disk is full, writes get 507 and
/// nothing of them applies. When only the database's disk is full, writes go on from the log until the database is
/// the bound behind, then 503 projection-behind: memory and the log stay bounded. Freeing space is enough in both
/// cases: no restart, every acknowledged write there once, and the log truncated again as the database catches up.
/// </summary>
public sealed class DiskFullTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly string Padding = new('x', 100); // a long operation id makes each write take more room

    [Fact]
    public async Task When_the_disk_of_log_and_database_is_full_writes_are_507_reads_from_memory_go_on_and_writes_resume_once_space_is_freed()
    {
        var data = TempDirectory.Create();
        SystemCommands.MountTmpfs(data, "8m");
        var filler = new DiskFiller(Path.Combine(data, "filler"));
        try
        {
            await using var server = await ServerProcess.StartAsync(data);
            using var printed = new PrintedOnExit(output, server);
            var client = server.Client;
            (await client.OpenAccount("full-a")).EnsureSuccessStatusCode();
            var acknowledged = new List<string>();
            for (var i = 0; i < 20; i++)
            {
                (await client.Credit("full-a", "1", $"before-{i}-{Padding}")).EnsureSuccessStatusCode();
                acknowledged.Add($"before-{i}-{Padding}");
            }

            filler.Start();
            var refused = new List<string>();
            for (var i = 0; i < 5000 && refused.Count < 3; i++)
            {
                var id = $"fill-{i}-{Padding}";
                var response = await client.Credit("full-a", "1", id);
                if (response.IsSuccessStatusCode)
                    acknowledged.Add(id);
                else
                {
                    await ProblemAssert.Is(response, HttpStatusCode.InsufficientStorage, "storage-full");
                    refused.Add(id);
                }
            }
            Assert.True(refused.Count == 3, $"the full disk never refused a write ({acknowledged.Count} acknowledged)");
            Assert.Equal(acknowledged.Count, (await client.Account("full-a")).Dec("balance"));

            await filler.StopAndDelete();
            Assert.True(await client.ProjectionCaughtUp(), "the database did not catch up once space was freed");
            await StorageFaultTests.AssertAllThereOnce(client, "full-a", 0, acknowledged, refused);
            output.WriteLine($"{acknowledged.Count} writes acknowledged around the full disk; 3 refused with 507; all present once after space was freed");
        }
        finally
        {
            await filler.StopAndDelete();
            SystemCommands.Unmount(data);
        }
    }

    [Fact]
    public async Task When_only_the_database_disk_is_full_writes_go_on_up_to_the_bound_then_503_and_all_catch_up_once_space_is_freed()
    {
        var data = TempDirectory.Create();
        var log = TempDirectory.Create(); // another disk: the log keeps accepting writes
        SystemCommands.MountTmpfs(data, "8m");
        var filler = new DiskFiller(Path.Combine(data, "filler"));
        try
        {
            await using var server = await ServerProcess.StartAsync(data, [.. StorageFaultTests.Settings, $"Billing:LogDirectory={log}"]);
            using var printed = new PrintedOnExit(output, server);
            var client = server.Client;
            (await client.OpenAccount("db-full")).EnsureSuccessStatusCode();
            (await client.Credit("db-full", "10", "before")).EnsureSuccessStatusCode();
            Assert.True(await client.ProjectionCaughtUp());

            filler.Start();
            // SQLite may still write now and then into space its files already hold (a write-ahead log that wraps around);
            // the bound is reached once it mostly cannot.
            var (acknowledged, refused) = await StorageFaultTests.CreditUntilRefused(client, "db-full", $"during-{Padding}", attempts: 5000);
            var behind = await client.Projection();
            Assert.Contains("full", behind.GetProperty("fault").GetString());
            Assert.Equal(10 + acknowledged.Count, (await client.Account("db-full")).Dec("balance"));

            await filler.StopAndDelete();
            Assert.True(await client.ProjectionCaughtUp(), "the database did not catch up once space was freed");
            await StorageFaultTests.AssertAllThereOnce(client, "db-full", 10, acknowledged, refused);
            // The log forgets what the database holds: the oldest record left is past everything written so far.
            Assert.True(await Poll.Until(async () =>
            {
                var projection = await client.Projection();
                return projection.GetProperty("oldestLogPosition").ValueKind == System.Text.Json.JsonValueKind.Null;
            }), "the log was not truncated after the database caught up");
            output.WriteLine($"{acknowledged.Count} writes acknowledged while the database's disk was full; the next refused 503 at the bound");
        }
        finally
        {
            await filler.StopAndDelete();
            SystemCommands.Unmount(data);
        }
    }

    /// <summary>The server's console log in the test's output, to read when a test fails.</summary>
    private sealed class PrintedOnExit(Xunit.Abstractions.ITestOutputHelper output, ServerProcess server) : IDisposable
    {
        public void Dispose()
        {
            foreach (var line in server.Output)
                output.WriteLine(line);
        }
    }
}
