using System.Net;
using BillingFunctions.Server.Orders;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// Re-driving dead letters on the real server: <c>POST /api/queues/{queue}/dead-letters/{sequence}/resubmit</c> puts
/// the message back as a fresh one, once, and an order that was charged before its message died is not charged again.
/// </summary>
public sealed class DeadLetterResubmitTests
{
    [Fact]
    public async Task A_charged_order_whose_message_died_is_resubmitted_after_a_restart_completed_and_not_charged_again()
    {
        var data = TempDirectory.Create();
        long deadSequence;
        string basket;
        // A misconfigured consumer: it holds each message 2.5 s between charging and completing, but the lock lasts 1 s
        // and one delivery is all a message gets, so the charged order's message is dead-lettered before completion.
        await using (var misconfigured = await RunningServer.StartAsync(data, "Billing:Queues:LockDurationSeconds=1",
            "Billing:Queues:CompleteDelayMilliseconds=2500", "Billing:Queues:MaxDeliveryCount=1"))
        {
            var client = misconfigured.Client;
            (await client.OpenAccount("redrive")).EnsureSuccessStatusCode();
            (await client.Credit("redrive", "10")).EnsureSuccessStatusCode();
            basket = await client.Basket("redrive");
            Assert.Equal(HttpStatusCode.Accepted, (await client.PlaceOrder("redrive", basket, "4")).StatusCode);
            Assert.True(await Poll.Until(async () => (await DeadLetters(client, "orders")).Count == 1));
            var letter = Assert.Single(await DeadLetters(client, "orders"));
            Assert.Equal("MaxDeliveryCountExceeded", letter.Str("reason"));
            Assert.Equal($"{basket}:1", letter.Str("messageId"));
            deadSequence = letter.GetProperty("sequence").GetInt64();
            Assert.Equal("paid", (await client.DecidedOrder(basket)).Str("status"));
        }

        await using var fixedServer = await RunningServer.StartAsync(data);
        var fixedClient = fixedServer.Client;
        Assert.Single(await DeadLetters(fixedClient, "orders")); // dead letters are durable

        var resubmitted = await fixedClient.PostAsync($"/api/queues/orders/dead-letters/{deadSequence}/resubmit", null);
        Assert.Equal(HttpStatusCode.OK, resubmitted.StatusCode);
        var message = await resubmitted.Json();
        Assert.Equal($"{basket}:1", message.Str("messageId"));
        Assert.Equal(0, message.GetProperty("deliveryCount").GetInt32());
        Assert.True(message.GetProperty("sequence").GetInt64() > deadSequence);
        Assert.Equal(deadSequence, message.GetProperty("resubmittedFrom").GetInt64());
        await ProblemAssert.Is(await fixedClient.PostAsync($"/api/queues/orders/dead-letters/{deadSequence}/resubmit", null),
            HttpStatusCode.NotFound, "not-found"); // once only

        await fixedClient.Drained("orders");
        var stats = await fixedClient.QueueStats("orders");
        Assert.Equal(1, stats.GetProperty("resubmitted").GetInt64());
        Assert.Equal(1, stats.GetProperty("completed").GetInt64());
        Assert.Equal(0, stats.GetProperty("deadLettered").GetInt64());
        Assert.Empty(await DeadLetters(fixedClient, "orders"));
        Assert.Equal(6m, (await fixedClient.Account("redrive")).Dec("balance"));
        Assert.Single(await fixedClient.Ledger("redrive"), e => e.Str("type") == "order.paid");
        Assert.Single(await fixedClient.Notifications("redrive"));
    }

    [Fact]
    public async Task Concurrent_resubmits_of_one_dead_letter_put_it_back_once_and_bad_requests_change_nothing()
    {
        await using var server = await RunningServer.StartAsync();
        var client = server.Client;
        var queues = server.Services.GetRequiredService<OrderQueues>();
        Assert.True(await queues.Orders.SendAsync("garbage", "{not json"));
        Assert.True(await Poll.Until(async () => (await DeadLetters(client, "orders")).Count == 1));
        var sequence = (await DeadLetters(client, "orders"))[0].GetProperty("sequence").GetInt64();

        await ProblemAssert.Is(await client.PostAsync($"/api/queues/no-such-queue/dead-letters/{sequence}/resubmit", null), HttpStatusCode.NotFound, "not-found");
        foreach (var bad in new[] { "0", "-1", "abc", "1.5", "99999999999999999999" })
            await ProblemAssert.Is(await client.PostAsync($"/api/queues/orders/dead-letters/{bad}/resubmit", null), HttpStatusCode.BadRequest, "validation");
        await ProblemAssert.Is(await client.PostAsync($"/api/queues/orders/dead-letters/{sequence + 1000}/resubmit", null), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await client.PostAsync($"/api/queues/payment-results/dead-letters/{sequence}/resubmit", null), HttpStatusCode.NotFound, "not-found");
        Assert.Equal(0, (await client.QueueStats("orders")).GetProperty("resubmitted").GetInt64());

        var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.PostAsync($"/api/queues/orders/dead-letters/{sequence}/resubmit", null)));
        Assert.Single(attempts, r => r.StatusCode == HttpStatusCode.OK);
        Assert.Equal(7, attempts.Count(r => r.StatusCode == HttpStatusCode.NotFound));

        // Still malformed, so it dies again: as a new message with a new sequence, delivered once.
        Assert.True(await Poll.Until(async () => (await DeadLetters(client, "orders")) is [var again] && again.GetProperty("sequence").GetInt64() != sequence));
        var stats = await client.QueueStats("orders");
        Assert.Equal(1, stats.GetProperty("resubmitted").GetInt64());
        Assert.Equal(1, stats.GetProperty("deadLettered").GetInt64());
        Assert.Equal(2, stats.GetProperty("deliveries").GetInt64());
    }

    private static async Task<List<System.Text.Json.JsonElement>> DeadLetters(HttpClient client, string queue) =>
        (await (await client.GetAsync($"/api/queues/{queue}/dead-letters")).Json()).EnumerateArray().ToList();
}
