using System.Net;
using System.Net.Http.Json;
using BillingFunctions.Server.Storage;
using BillingFunctions.Server.Storage.Log;
using BillingFunctions.Tests.Server;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Storage;

/// <summary>
/// The commit log's records as the real server writes them: a workload that touches every kind of row (accounts,
/// holds, events, answers, a cut-off delivery, baskets, queue changes, notifications) runs while the database is
/// locked, so every batch stays in the log; the server stops, and each record must decode and encode again to the
/// very same bytes. The replay at start reads records only this way, so a field the encoder writes and the decoder
/// drops (or reads in another order) fails here, not in a recovery.
/// </summary>
public sealed class LogRecordTests
{
    [Fact]
    public async Task Every_record_the_server_logs_decodes_and_encodes_again_to_the_same_bytes()
    {
        var data = TempDirectory.Create();
        await using var receiver = await CutoffReceiver.StartAsync();
        Microsoft.Data.Sqlite.SqliteConnection locker;
        await using (var server = await RunningServer.StartAsync(data, "Billing:StorageBusyTimeoutSeconds=1"))
        {
            var client = server.Client;
            (await client.OpenAccount("rec-a", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
            (await client.OpenAccount("rec-b")).EnsureSuccessStatusCode();
            Assert.True(await client.ProjectionCaughtUp());

            locker = await StorageFaultTests.Lock(data); // held until the server has stopped: its batches stay in the log only
            (await client.Credit("rec-a", "5", "credit-1")).EnsureSuccessStatusCode();
            (await client.Transfer("rec-a", "rec-b", "1", "move-1")).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/accounts/rec-a/holds", new { holdId = "h1", amount = "1", expiresInSeconds = 600 })).EnsureSuccessStatusCode();
            (await client.PostAsJsonAsync("/api/accounts/rec-a/holds/h1/capture", new { amount = "0.5" })).EnsureSuccessStatusCode();
            var basket = await client.Basket("rec-a");
            Assert.Equal(HttpStatusCode.Accepted, (await client.PlaceOrder("rec-a", basket, "1")).StatusCode);
            // Charged, and its result recorded as a notification: both queues empty.
            Assert.True(await Poll.Until(async () => (await client.Account("rec-a")).Dec("balance") == 2.5m), "the order was not charged");
            Assert.True(await Poll.Until(async () => (await (await client.GetAsync("/api/health")).Json()).GetProperty("queues")
                .EnumerateArray().All(queue => queue.GetProperty("active").GetInt64() == 0)), "the order's queues did not drain");
            (await client.SetRate("rec-a", "10")).EnsureSuccessStatusCode(); // runs dry within a second: a depletion and its delivery
            Assert.True(await Poll.Until(async () => (await client.Account("rec-a")).Str("status") == "depleted"), "the account did not run dry");
            Assert.NotEmpty(await receiver.WaitForAsync("rec-a"));
            Assert.True((await client.Projection()).GetProperty("unprojectedWrites").GetInt64() > 0);
        }
        await locker.DisposeAsync();

        var records = 0;
        var seen = new HashSet<string>();
        var writer = new RecordWriter();
        // The server stopped while the database was locked, and the restart has not run: the records are all still here.
        using var log = new CommitLog(Path.Combine(data, "log"), projected: -1);
        foreach (var (position, record) in log.ReadFrom(0))
        {
            var batch = BatchCodec.Decode(record);
            Assert.Equal(record, BatchCodec.Encode(batch, writer).ToArray());
            Note(seen, batch);
            records++;
        }
        Assert.True(records > 5, $"only {records} records in the log");
        Assert.Equal(["accounts", "answers", "baskets", "deliveries", "events", "holds", "notifications", "queue changes"], seen.Order());
    }

    private static void Note(HashSet<string> seen, CommitBatch batch)
    {
        if (batch.Accounts.Count > 0) seen.Add("accounts");
        if (batch.Holds.Count > 0) seen.Add("holds");
        if (batch.Events.Count > 0) seen.Add("events");
        if (batch.IdempotencyRecords.Count > 0) seen.Add("answers");
        if (batch.Deliveries.Count > 0) seen.Add("deliveries");
        if (batch.Baskets.Count > 0) seen.Add("baskets");
        if (batch.QueueChanges.Count > 0) seen.Add("queue changes");
        if (batch.Notifications.Count > 0) seen.Add("notifications");
    }
}
