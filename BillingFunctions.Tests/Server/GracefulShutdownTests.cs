using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// A rolling restart in place, with real processes: 16 clients write through one address; the owner gets SIGTERM
/// while a successor, started with a lock wait, is already waiting for the directory on the same port. Every request
/// a client sent is answered (2xx, or 503 with Retry-After while the owner drains); a connection that is refused
/// (nobody listening, so nothing was sent) is retried. In the end every acknowledged credit is there exactly once.
/// </summary>
public sealed class GracefulShutdownTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Writers = 16;
    private const int Accounts = 4;

    [Fact]
    public async Task On_SIGTERM_the_owner_answers_every_request_it_was_sent_and_a_waiting_successor_takes_over_the_directory()
    {
        var data = TempDirectory.Create();
        var port = ServerProcess.FreePort();
        await using var owner = await ServerProcess.StartAsync(data, port, TimedLogs("BillingFunctions.Server.Hosting.ShutdownDrain"));
        for (var a = 0; a < Accounts; a++)
            (await owner.Client.OpenAccount($"handover-{a}")).EnsureSuccessStatusCode();

        await using var successor = ServerProcess.Launch(data, port,
            [.. TimedLogs("BillingFunctions.Server.BillingStartup", "Microsoft.Hosting.Lifetime"), "Billing:DataDirectoryLockWaitSeconds=120"]);
        Assert.True(await Poll.Until(() => Task.FromResult(successor.Output.Any(line => line.Contains($"in use by process {owner.Id}; waiting", StringComparison.Ordinal))), 60),
            $"the successor did not wait for the owner: {string.Join(Environment.NewLine, successor.Output)}");

        var tally = new Tally();
        using var client = new HttpClient { BaseAddress = new Uri(owner.BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => Write(client, w, tally, stop.Token))).ToArray();
        Assert.True(await Poll.Until(() => Task.FromResult(tally.Acknowledged.Count >= 500)), "the writers made no progress");

        var clock = Stopwatch.StartNew();
        var terminatedAt = DateTime.UtcNow;
        tally.Phase = Phase.Draining;
        owner.Terminate();
        Assert.True(await owner.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the owner did not exit within 60 s of SIGTERM");
        var exitedAfter = clock.Elapsed;
        tally.Phase = Phase.Successor;
        await successor.WaitUntilServingAsync();
        var acknowledgedAtTakeover = tally.Acknowledged.Count;
        Assert.True(await Poll.Until(() => Task.FromResult(tally.Acknowledged.Count >= acknowledgedAtTakeover + 500)),
            "the writers made no progress at the successor");
        stop.Cancel();
        await Task.WhenAll(writers);

        var drainAnswers = tally.DrainAnswers.GroupBy(status => status).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {g.Key}");
        output.WriteLine($"SIGTERM under {Writers} writers: the owner exited after {exitedAfter.TotalSeconds:0.00} s (exit code {owner.ExitCode}), "
            + $"answering while it drained: {string.Join(", ", drainAnswers)}; {tally.Refused} connections refused while nobody listened; "
            + $"the successor listened on the same port {(LoggedAt(successor, "Now listening") - terminatedAt).TotalSeconds:0.00} s after SIGTERM; "
            + $"{tally.Acknowledged.Count} credits acknowledged in all");
        foreach (var line in owner.Output.Concat(successor.Output).Where(line => line.Contains("Drained", StringComparison.Ordinal) || line.Contains("Took over", StringComparison.Ordinal)))
            output.WriteLine(line);

        Assert.Empty(tally.Dropped); // every request that reached a server got an HTTP answer
        Assert.Empty(tally.Unexpected);
        Assert.Equal(0, owner.ExitCode);
        Assert.Contains(successor.Output, line => line.Contains("Took over data directory", StringComparison.Ordinal)
            && line.Contains($"for process {owner.Id} to release it", StringComparison.Ordinal));
        Assert.Contains(tally.DrainAnswers, status => status == 503); // new requests were turned away, not cut off

        for (var a = 0; a < Accounts; a++)
        {
            var ledger = await successor.Client.Ledger($"handover-{a}");
            DataDirectoryOwnershipTests.AssertChains(ledger);
            var operations = ledger.Select(e => e.GetProperty("operationId").GetString()).OfType<string>().Where(id => id.StartsWith("h-", StringComparison.Ordinal)).ToList();
            var acknowledged = tally.Acknowledged.Where(id => Writer(id) % Accounts == a).ToHashSet();
            Assert.Equal(operations.Count, operations.Distinct().Count());
            Assert.True(acknowledged.SetEquals(operations), $"handover-{a}: acknowledged and recorded credits differ");
            Assert.Equal(acknowledged.Count, (int)(await successor.Client.Account($"handover-{a}")).Dec("balance"));
        }
    }

    /// <summary>Information from one category, with UTC timestamps, so the output shows when the hand-over happened.</summary>
    private static string[] TimedLogs(params string[] categories) =>
        [.. categories.Select(category => $"Logging:LogLevel:{category}=Information"),
         "Logging:Console:FormatterOptions:TimestampFormat=O", "Logging:Console:FormatterOptions:UseUtcTimestamp=true"];

    private static DateTime LoggedAt(ServerProcess server, string message) =>
        server.Output.Where(line => line.Contains(message, StringComparison.Ordinal))
            .Select(line => System.Text.Json.JsonDocument.Parse(line).RootElement.GetProperty("Timestamp").GetDateTime().ToUniversalTime()).First();

    private enum Phase { Owner, Draining, Successor }

    private sealed class Tally
    {
        public volatile Phase Phase;
        public readonly ConcurrentBag<string> Acknowledged = [];
        public readonly ConcurrentBag<int> DrainAnswers = [];
        public readonly ConcurrentQueue<string> Dropped = new();
        public readonly ConcurrentQueue<string> Unexpected = new();
        public int Refused;
    }

    /// <summary>
    /// Credits, each retried with its operation id until it is acknowledged: after a 503 once Retry-After has passed,
    /// after a refused connection at once. Stops between credits, never in the middle of one.
    /// </summary>
    private static async Task Write(HttpClient client, int writer, Tally tally, CancellationToken stop)
    {
        var account = $"handover-{writer % Accounts}";
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var id = $"h-{writer}-{i}";
            var deadline = DateTime.UtcNow.AddSeconds(120);
            while (true)
            {
                if (DateTime.UtcNow > deadline)
                {
                    tally.Unexpected.Enqueue($"{id}: not acknowledged within 120 s");
                    return;
                }
                HttpResponseMessage response;
                try
                {
                    response = await client.Credit(account, "1", id);
                }
                catch (HttpRequestException refused) when (refused.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
                {
                    Interlocked.Increment(ref tally.Refused);
                    await Task.Delay(20);
                    continue;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    tally.Dropped.Enqueue($"{id}: {e.GetType().Name}: {e.Message}");
                    await Task.Delay(20);
                    continue;
                }
                using (response)
                {
                    if (tally.Phase == Phase.Draining)
                        tally.DrainAnswers.Add((int)response.StatusCode);
                    if (response.IsSuccessStatusCode)
                    {
                        tally.Acknowledged.Add(id);
                        break;
                    }
                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter?.Delta is not { } retryAfter)
                    {
                        tally.Unexpected.Enqueue($"{id}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        return;
                    }
                    await Task.Delay(retryAfter);
                }
            }
        }
    }

    private static int Writer(string operationId) => int.Parse(operationId.Split('-')[1], System.Globalization.CultureInfo.InvariantCulture);
}
