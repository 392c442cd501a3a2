using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Orders;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The orders queue under redelivery, concurrency, poison and load, on the real server: another producer (the test)
/// sends copies of an order message with fresh message ids, so duplicate detection cannot help and only the
/// consumer's charge-once-per-basket stands between a redelivery and a double charge.
/// </summary>
public sealed class OrderQueueTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(50)]
    public async Task The_same_order_delivered_many_times_is_charged_once(int deliveries)
    {
        await using var server = await RunningServer.StartAsync();
        var client = server.Client;
        var queues = server.Services.GetRequiredService<OrderQueues>();
        (await client.OpenAccount("u")).EnsureSuccessStatusCode();
        (await client.Credit("u", "100")).EnsureSuccessStatusCode();
        var basket = await client.Basket("u");
        Assert.Equal(HttpStatusCode.Accepted, (await client.PlaceOrder("u", basket, "7")).StatusCode);

        // The copies race the original through the concurrent consumers.
        var body = OrderWire.Write(new OrderMessage(basket, "u", new Money(7_000_000), 1));
        var sent = await Task.WhenAll(Enumerable.Range(1, deliveries - 1).Select(i => queues.Orders.SendAsync($"copy-{i}", body)));
        Assert.All(sent, Assert.True);
        await client.Drained("orders");
        await client.Drained("payment-results");

        Assert.Equal("paid", (await client.DecidedOrder(basket)).Str("status"));
        Assert.Equal(93m, (await client.Account("u")).Dec("balance"));
        Assert.Single(await client.Ledger("u"), e => e.Str("type") == "order.paid");
        Assert.Single(await client.Notifications("u")); // re-emitted results carry the same id
        var results = await client.QueueStats("payment-results");
        Assert.Equal(deliveries - 1, results.GetProperty("duplicatesDropped").GetInt64());
    }

    [Fact]
    public async Task A_lock_that_expires_mid_handling_hands_the_message_to_a_second_consumer_and_still_charges_once()
    {
        // Each consumer waits 2.5 s between charging and completing; the lock lasts 1 s, so the message goes to
        // another consumer while the first still holds it, and the first one's completion finds its lock lost.
        await using var server = await RunningServer.StartAsync(null, "Billing:Queues:LockDurationSeconds=1",
            "Billing:Queues:CompleteDelayMilliseconds=2500");
        var client = server.Client;
        (await client.OpenAccount("slow")).EnsureSuccessStatusCode();
        (await client.Credit("slow", "10")).EnsureSuccessStatusCode();
        var basket = await client.Basket("slow");
        await client.PlaceOrder("slow", basket, "4");
        await client.Drained("orders");

        var stats = await client.QueueStats("orders");
        Assert.True(stats.GetProperty("lockExpirations").GetInt64() >= 1, stats.ToString());
        Assert.True(stats.GetProperty("redeliveries").GetInt64() >= 1, stats.ToString());
        Assert.Equal(6m, (await client.Account("slow")).Dec("balance"));
        Assert.Single(await client.Ledger("slow"), e => e.Str("type") == "order.paid");
    }

    [Fact]
    public async Task Poison_messages_go_to_the_dead_letters_with_a_reason_while_other_orders_keep_flowing()
    {
        await using var server = await RunningServer.StartAsync(null, "Billing:Queues:MaxDeliveryCount=3");
        var client = server.Client;
        var queues = server.Services.GetRequiredService<OrderQueues>();
        (await client.OpenAccount("flow")).EnsureSuccessStatusCode();
        (await client.Credit("flow", "100")).EnsureSuccessStatusCode();

        // Malformed: dead-lettered at once. Unknown basket: retried until the delivery count runs out.
        Assert.True(await queues.Orders.SendAsync("garbage", "{not json"));
        Assert.True(await queues.Orders.SendAsync("orphan",
            OrderWire.Write(new OrderMessage("no-such-basket", "flow", new Money(1_000_000), 1))));
        var baskets = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var basket = await client.Basket("flow");
            await client.PlaceOrder("flow", basket, "1");
            Assert.Equal("paid", (await client.DecidedOrder(basket)).Str("status"));
            baskets.Add(basket);
        }
        await client.Drained("orders");

        var letters = (await (await client.GetAsync("/api/queues/orders/dead-letters")).Json()).EnumerateArray().ToList();
        Assert.Equal(2, letters.Count);
        var garbage = letters.Single(l => l.Str("messageId") == "garbage");
        Assert.Equal("HandlerRejected", garbage.Str("reason"));
        Assert.Equal(1, garbage.GetProperty("deliveryCount").GetInt32());
        var orphan = letters.Single(l => l.Str("messageId") == "orphan");
        Assert.Equal("MaxDeliveryCountExceeded", orphan.Str("reason"));
        Assert.Equal(3, orphan.GetProperty("deliveryCount").GetInt32());
        Assert.Equal(2, (await client.QueueStats("orders")).GetProperty("deadLettered").GetInt64());
        Assert.Equal(95m, (await client.Account("flow")).Dec("balance"));
    }

    [Fact]
    public async Task Duplicate_detection_drops_a_message_id_seen_within_the_window()
    {
        await using var server = await RunningServer.StartAsync();
        var queues = server.Services.GetRequiredService<OrderQueues>();
        Assert.True(await queues.PaymentResults.SendAsync("same-id", "{}"));
        Assert.False(await queues.PaymentResults.SendAsync("same-id", "{}"));
        Assert.Equal(1, (await server.Client.QueueStats("payment-results")).GetProperty("duplicatesDropped").GetInt64());
    }

    [Fact]
    public async Task Thousands_of_orders_with_30_percent_duplicate_deliveries_charge_exactly_the_distinct_paid_baskets()
    {
        await using var server = await RunningServer.StartAsync();
        var client = server.Client;
        var queues = server.Services.GetRequiredService<OrderQueues>();
        const int accounts = 40, ordersPerAccount = 50;
        var duplicates = 0;
        var rejected = 0;
        var paid = new ConcurrentDictionary<string, decimal>();

        await Task.WhenAll(Enumerable.Range(0, accounts).Select(u => Task.Run(async () =>
        {
            var account = $"load-{u}";
            var random = new Random(u);
            (await client.OpenAccount(account)).EnsureSuccessStatusCode();
            (await client.Credit(account, "500")).EnsureSuccessStatusCode();
            for (var i = 0; i < ordersPerAccount; i++)
            {
                var basket = await client.Basket(account);
                var amount = random.Next(1, 2_000) / 100m;
                var text = amount.ToString(CultureInfo.InvariantCulture);
                var attempt = (await client.PlaceOrder(account, basket, text)).StatusCode == HttpStatusCode.Accepted
                    ? (await client.Order(basket)).GetProperty("attempt").GetInt32()
                    : throw new InvalidOperationException("order refused");
                if (random.Next(100) < 30)
                {
                    Interlocked.Increment(ref duplicates);
                    var body = OrderWire.Write(new OrderMessage(basket, account, new Money((long)(amount * 1_000_000)), attempt));
                    await queues.Orders.SendAsync($"dup-{basket}-{i}", body);
                    await client.PlaceOrder(account, basket, text); // and the client retries its POST too
                }
                var order = await client.DecidedOrder(basket, attempt);
                if (order.Str("status") == "paid")
                    paid[basket] = amount;
                else
                    Interlocked.Increment(ref rejected);
            }
        })));
        await client.Drained("orders");
        await client.Drained("payment-results");

        var paidEvents = (await client.Events()).Where(e => e.Str("type") == "order.paid").ToList();
        Assert.Equal(paidEvents.Count, paidEvents.Select(e => e.Str("operationId")).Distinct().Count()); // one payment per basket
        Assert.Equal(paid.Keys.Order(), paidEvents.Select(e => e.Str("operationId")).Order());
        Assert.Equal(paid.Values.Sum(), -paidEvents.Sum(e => e.Dec("delta")));
        var balances = 0m;
        for (var u = 0; u < accounts; u++)
        {
            var account = await client.Account($"load-{u}");
            Assert.True(account.Dec("balance") >= 0);
            balances += account.Dec("balance");
        }
        Assert.Equal(accounts * 500m - paid.Values.Sum(), balances);
        output.WriteLine($"{accounts * ordersPerAccount} orders, {duplicates} duplicate deliveries, {paid.Count} paid, "
            + $"{rejected} rejected; Σ order.paid = Σ distinct paid baskets = {paid.Values.Sum()}");
    }
}
