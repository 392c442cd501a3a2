using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// kill -9 of the real server process, many times in one run, then restart on the same data directory. Each
/// cycle kills it at a random moment under a mixed write load from 16 clients (so mid-group-commit); every third
/// cycle kills it while a slow receiver is holding a cut-off call open (mid-webhook-delivery). In the end: every
/// acknowledged operation is there exactly once, ledgers and balances agree, and every due cut-off was delivered
/// at least once and recorded once per episode.
/// </summary>
public sealed class CrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Cycles = 12;
    private const int Writers = 16;

    /// <summary>A write as it was sent, so it can be sent again after the crash and must come back as a replay.</summary>
    private sealed record Sent(string Method, string Path, object? Body, string OperationId);

    [Fact]
    public async Task Acknowledged_writes_survive_repeated_kill_9_and_every_due_cutoff_is_delivered_and_recorded_once()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var slow = await CutoffReceiver.StartAsync();
        var data = TempDirectory.Create();
        var accounts = Enumerable.Range(0, 8).Select(i => $"crash-{i}").ToArray();
        var acknowledged = new ConcurrentBag<Sent>();
        var sent = new ConcurrentDictionary<string, bool>();
        var doomed = new List<(string Account, long DepletesAt)>();
        var killedMidDelivery = 0;

        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            var server = await ServerProcess.StartAsync(data);
            if (cycle == 0)
                foreach (var id in accounts)
                {
                    (await server.Client.OpenAccount(id)).EnsureSuccessStatusCode();
                    (await server.Client.Credit(id, "1000")).EnsureSuccessStatusCode();
                }

            var midDelivery = cycle % 3 == 2;
            var victim = $"doomed-{cycle}";
            if (midDelivery)
                slow.Delay = TimeSpan.FromSeconds(30); // answers long after the kill
            await server.Client.OpenCharging(victim, midDelivery ? slow.Url : receiver.Url, midDelivery ? "0.3" : "0.7", "1");
            doomed.Add((victim, (await server.Client.Account(victim)).Ticks("depletesAt")));

            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, Writers).Select(w => Task.Run(() => Write(server.Client, cycle, w, accounts, acknowledged, sent, stop.Token))).ToArray();

            var random = new Random(cycle);
            await Task.Delay(200 + random.Next(700));
            if (midDelivery)
            {
                var arrived = slow.Arrivals;
                Assert.True(await Poll.Until(() => Task.FromResult(slow.Arrivals > arrived)), "the cut-off call never reached the slow receiver");
                killedMidDelivery++;
            }
            server.KillHard();
            stop.Cancel();
            await Task.WhenAll(writers);
            await server.DisposeAsync();
            if (!midDelivery)
                await Task.Delay(500); // the doomed account's zero instant passes while nothing runs
        }

        slow.Delay = TimeSpan.Zero;
        await using var last = await ServerProcess.StartAsync(data);
        var client = last.Client;
        Assert.True(acknowledged.Count > 500, $"only {acknowledged.Count} writes were acknowledged; the load did not run");

        // Every acknowledged write is in a ledger; a sample of them, sent again, are replays and are not applied again.
        var ledgers = new Dictionary<string, List<System.Text.Json.JsonElement>>();
        foreach (var id in accounts)
            ledgers[id] = await client.Ledger(id);
        var recorded = ledgers.Values.SelectMany(l => l).Select(e => e.GetProperty("operationId").GetString()).OfType<string>().ToHashSet();
        Assert.All(acknowledged, write => Assert.True(recorded.Contains(write.OperationId), $"acknowledged {write.OperationId} was lost"));
        var events = (await client.Events()).Count;
        foreach (var write in acknowledged.OrderBy(w => w.OperationId, StringComparer.Ordinal).Where((_, i) => i % 100 == 0))
        {
            using var replay = await Send(client, write);
            Assert.True(replay.IsSuccessStatusCode, $"{write.OperationId}: {replay.StatusCode}");
            Assert.True(replay.Headers.Contains("Idempotent-Replayed"), $"acknowledged {write.OperationId} was not recognised as done");
        }
        Assert.Equal(events, (await client.Events()).Count);
        foreach (var id in accounts)
        {
            var ledger = ledgers[id];
            var operations = ledger.Select(e => e.GetProperty("operationId").GetString()).OfType<string>().ToList();
            Assert.Equal(operations.Count, operations.Distinct().Count()); // none applied twice
            // Every operation in the ledger was sent by a writer (the set-up credit's id is the server's own "op:…").
            Assert.All(operations.Where(op => !op.StartsWith("op:", StringComparison.Ordinal)), op => Assert.True(sent.ContainsKey(op), $"{id}: unknown operation {op}"));
            var account = await client.Account(id);
            Assert.Equal(ledger.Sum(e => e.Dec("delta")) - ledger.Sum(e => e.Dec("consumed")), account.Dec("balance"));
            var holds = await (await client.GetAsync($"/api/accounts/{id}/holds")).Json();
            Assert.Equal(holds.EnumerateArray().Where(h => h.Str("status") == "active").Sum(h => h.Dec("amount")), account.Dec("held"));
            Assert.True(account.Dec("available") >= 0);
        }
        foreach (var (victim, depletesAt) in doomed)
        {
            Assert.True(await Poll.Until(async () => (await client.CutoffDelivery(victim))?.Str("status") == "delivered"),
                $"{victim}: cut-off not delivered after the restarts");
            var depleted = Assert.Single(await client.Ledger(victim), e => e.Str("type") == "account.depleted");
            Assert.Equal(depletesAt, depleted.Ticks("at"));
            var calls = receiver.CallsFor(victim).Concat(slow.CallsFor(victim)).ToList();
            Assert.Contains(calls, c => c.EventId == depleted.Str("eventId"));
            Assert.All(calls, c => Assert.True(c.ArrivedTicks >= depletesAt, $"{victim}: cut-off before the zero instant"));
            Assert.Single(calls.Select(c => c.EventId).Distinct());
        }
        output.WriteLine($"{Cycles} kill -9 cycles ({killedMidDelivery} mid-delivery); {acknowledged.Count} acknowledged writes of {sent.Count} sent "
            + $"all present once; {doomed.Count} cut-offs delivered and recorded once");
    }

    /// <summary>One client's mixed load until the server dies: credits, debits, transfers, holds and their captures or releases.</summary>
    private static async Task Write(HttpClient client, int cycle, int writer, string[] accounts, ConcurrentBag<Sent> acknowledged,
        ConcurrentDictionary<string, bool> sent, CancellationToken stop)
    {
        var random = new Random(cycle * 100 + writer);
        var holds = new List<(string Account, string HoldId)>();
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var account = accounts[random.Next(accounts.Length)];
            var other = accounts[(Array.IndexOf(accounts, account) + 1 + random.Next(accounts.Length - 1)) % accounts.Length];
            var amount = Format(random.Next(1, 2_000_000));
            var id = $"c{cycle}-w{writer}-{i}";
            Sent write;
            switch (random.Next(10))
            {
                case < 4: write = new Sent("POST", $"/api/accounts/{account}/credits", new { amount, operationId = id }, id); break;
                case < 6: write = new Sent("POST", $"/api/accounts/{account}/debits", new { amount, operationId = id }, id); break;
                case < 8: write = new Sent("POST", "/api/transfers", new { from = account, to = other, amount, transferId = id }, id); break;
                case 8: write = new Sent("POST", $"/api/accounts/{account}/holds", new { holdId = id, amount }, $"hold:{id}"); break;
                default:
                    if (holds.Count == 0)
                        continue;
                    var (holder, holdId) = holds[random.Next(holds.Count)];
                    holds.Remove((holder, holdId));
                    var verb = random.Next(2) == 0 ? "capture" : "release";
                    write = new Sent("POST", $"/api/accounts/{holder}/holds/{holdId}/{verb}", null, $"hold:{holdId}:{verb}");
                    break;
            }
            sent[write.OperationId] = true;
            try
            {
                using var response = await Send(client, write);
                if (!response.IsSuccessStatusCode)
                    continue; // refused (insufficient funds): nothing to find later
                acknowledged.Add(write);
                if (write.Path.EndsWith("/holds", StringComparison.Ordinal))
                    holds.Add((account, id));
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return; // the connection died with the server: that write was never acknowledged
            }
        }
    }

    private static Task<HttpResponseMessage> Send(HttpClient client, Sent write) =>
        client.SendAsync(new HttpRequestMessage(new HttpMethod(write.Method), write.Path)
        {
            Content = write.Body is null ? null : JsonContent.Create(write.Body),
        });

    private static string Format(long units) => (units / 1_000_000m).ToString(CultureInfo.InvariantCulture);
}
