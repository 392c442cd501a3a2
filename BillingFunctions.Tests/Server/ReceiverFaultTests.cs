using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The platform's receiver misbehaving: down for a while then back, slower than the attempt timeout, down for
/// good. Deliveries arrive once it answers, retries are spaced and stop at the give-up horizon, and accounts
/// with a healthy receiver are not held up.
/// </summary>
public sealed class ReceiverFaultTests
{
    [Fact]
    public async Task A_receiver_down_for_a_while_gets_every_cutoff_once_it_is_back_and_others_are_not_held_up()
    {
        await using var healthy = await CutoffReceiver.StartAsync();
        var down = await CutoffReceiver.StartAsync();
        var (port, url) = (down.Port, down.Url);
        await down.DisposeAsync(); // nothing listens there now: every attempt is refused
        await using var server = await RunningServer.StartAsync(null, "Billing:Webhook:MaxBackoffSeconds=1");
        var client = server.Client;

        var victims = Enumerable.Range(0, 5).Select(i => $"down-{i}").ToList();
        foreach (var id in victims)
            await client.OpenCharging(id, url, "0.2", "1");
        await client.OpenCharging("unaffected", healthy.Url, "0.6", "1"); // runs dry after the others

        Assert.Single(await healthy.WaitForAsync("unaffected"));
        var outage = DateTime.UtcNow;
        foreach (var id in victims)
            Assert.True(await Poll.Until(async () => (await client.CutoffDelivery(id)) is { } d && d.GetProperty("attempts").GetInt32() >= 3),
                $"{id}: no repeated attempts while the receiver was down");
        var pending = await client.CutoffDelivery(victims[0]);
        Assert.Equal("pending", pending!.Value.Str("status"));
        Assert.False(string.IsNullOrEmpty(pending.Value.Str("lastError")));

        await using var back = await CutoffReceiver.StartAsync(port);
        var downSeconds = (DateTime.UtcNow - outage).TotalSeconds + 1;
        foreach (var id in victims)
            Assert.Single(await back.WaitForAsync(id, timeoutSeconds: 30));
        await Task.Delay(1000); // a second delivery of the same event would have come by now
        foreach (var id in victims)
        {
            Assert.Single(back.CallsFor(id));
            Assert.True(await Poll.Until(async () => (await client.CutoffDelivery(id))?.Str("status") == "delivered"), $"{id}: not recorded as delivered");
            var delivered = (await client.CutoffDelivery(id))!.Value;
            // Backoff with a 1 s cap and equal jitter waits at least half of each step: attempts grow with time, not with load.
            var attempts = delivered.GetProperty("attempts").GetInt32();
            Assert.True(attempts <= 8 + 2 * downSeconds, $"{id}: {attempts} attempts in {downSeconds:F0} s: retries are not spaced out");
        }
    }

    [Fact]
    public async Task A_restart_resumes_a_failing_delivery_at_its_stored_instant_counting_on_from_its_attempts()
    {
        var down = await CutoffReceiver.StartAsync();
        var (port, url) = (down.Port, down.Url);
        await down.DisposeAsync();
        var data = TempDirectory.Create();
        string[] settings = ["Billing:Webhook:InitialBackoffMilliseconds=1000", "Billing:Webhook:MaxBackoffSeconds=30"];
        await using (var first = await RunningServer.StartAsync(data, settings))
        {
            await first.Client.OpenCharging("resumed", url, "0.1", "1");
            Assert.True(await Poll.Until(async () => (await first.Client.CutoffDelivery("resumed"))?.GetProperty("attempts").GetInt32() >= 2),
                "no repeated attempts while the receiver was down");
        }
        CutoffDelivery stored;
        using (var store = new BillingFunctions.Server.Storage.SqliteStore(data))
            stored = Assert.Single(store.ReadDeliveries("resumed", 10));
        Assert.Equal(DeliveryStatus.Pending, stored.Status);

        await using var back = await CutoffReceiver.StartAsync(port);
        await using var second = await RunningServer.StartAsync(data, settings);
        var call = Assert.Single(await back.WaitForAsync("resumed", timeoutSeconds: 60));

        Assert.Equal(stored.Attempts + 1, call.Attempt); // the count goes on: nothing forgot the attempts made before the restart
        Assert.True(call.ArrivedTicks >= stored.NextAttemptAt,
            $"arrived {(stored.NextAttemptAt - call.ArrivedTicks) / 10_000.0} ms before the stored next attempt");
        Assert.Equal(stored.EventId, call.EventId);
        Assert.True(await Poll.Until(async () => (await second.Client.CutoffDelivery("resumed"))?.Str("status") == "delivered"));
        Assert.Equal(stored.Attempts + 1, (await second.Client.CutoffDelivery("resumed"))!.Value.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task Retries_stop_at_the_give_up_horizon()
    {
        var gone = await CutoffReceiver.StartAsync();
        var url = gone.Url;
        await gone.DisposeAsync();
        await using var server = await RunningServer.StartAsync(null, "Billing:Webhook:GiveUpAfterSeconds=1", "Billing:Webhook:MaxBackoffSeconds=1");
        await server.Client.OpenCharging("given-up", url, "0.1", "1");

        Assert.True(await Poll.Until(async () => (await server.Client.CutoffDelivery("given-up"))?.Str("status") == "failed"),
            "the delivery never gave up");
        var attempts = (await server.Client.CutoffDelivery("given-up"))!.Value.GetProperty("attempts").GetInt32();
        await Task.Delay(1500);
        Assert.Equal(attempts, (await server.Client.CutoffDelivery("given-up"))!.Value.GetProperty("attempts").GetInt32());
    }

    [Fact]
    public async Task A_receiver_slower_than_the_attempt_timeout_is_retried_until_it_answers_in_time()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromSeconds(3);
        await using var server = await RunningServer.StartAsync(null, "Billing:Webhook:TimeoutSeconds=1");
        await server.Client.OpenCharging("slow-answer", receiver.Url, "0.1", "1");

        Assert.True(await Poll.Until(async () => (await server.Client.CutoffDelivery("slow-answer"))?.GetProperty("attempts").GetInt32() >= 1),
            "the first attempt never timed out");
        Assert.Contains("timed out", (await server.Client.CutoffDelivery("slow-answer"))!.Value.Str("lastError"));
        receiver.Delay = TimeSpan.Zero;

        Assert.True(await Poll.Until(async () => (await server.Client.CutoffDelivery("slow-answer"))?.Str("status") == "delivered"));
        var calls = receiver.CallsFor("slow-answer");
        Assert.Single(calls.Select(c => c.EventId).Distinct()); // every attempt, timed out or not, is the same event
        Assert.True(calls.Count >= 1);
    }
}
