using System.Net.Http.Json;
using System.Text.Json;

namespace BillingFunctions.Tests.Support;

/// <summary>The order routes as test helpers, plus waiting for a basket's order to be decided.</summary>
public static class OrderApi
{
    public static async Task<string> Basket(this HttpClient client, string accountId)
    {
        var response = await client.PostAsJsonAsync("/api/baskets", new { userId = accountId });
        response.EnsureSuccessStatusCode();
        return (await response.Json()).Str("basketId");
    }

    public static Task<HttpResponseMessage> PlaceOrder(this HttpClient client, string accountId, string basketId, string amount) =>
        client.PostAsJsonAsync("/api/orders", new { userId = accountId, basketId, amount });

    public static async Task<JsonElement> Order(this HttpClient client, string basketId)
    {
        var response = await client.GetAsync($"/api/orders/{basketId}");
        response.EnsureSuccessStatusCode();
        return await response.Json();
    }

    /// <summary>Polls until the basket's order is paid or rejected (the consumer runs asynchronously).</summary>
    public static async Task<JsonElement> DecidedOrder(this HttpClient client, string basketId, int attempt = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var order = await client.Order(basketId);
            if (order.GetProperty("attempt").GetInt32() >= attempt && order.Str("status") != "pending")
                return order;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Order for basket {basketId} still {order.Str("status")} after 60 s.");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// All of an account's notifications, once every payment result has been recorded: the notifications consumer runs
    /// after the charge commits, so an order can read as decided before its notification exists.
    /// </summary>
    public static async Task<List<JsonElement>> Notifications(this HttpClient client, string accountId)
    {
        await client.Drained("payment-results");
        var all = new List<JsonElement>();
        string? before = null;
        do
        {
            var page = await (await client.GetAsync($"/api/notifications?userId={accountId}&limit=1000{(before is null ? "" : "&before=" + before)}")).Json();
            all.AddRange(page.GetProperty("items").EnumerateArray());
            before = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetInt64().ToString();
        } while (before is not null);
        return all;
    }

    public static async Task<JsonElement> QueueStats(this HttpClient client, string queue)
    {
        var queues = await (await client.GetAsync("/api/queues")).Json();
        return queues.EnumerateArray().Single(q => q.Str("queue") == queue);
    }

    /// <summary>Polls until a queue holds nothing: every message completed or dead-lettered.</summary>
    public static async Task Drained(this HttpClient client, string queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await client.QueueStats(queue)).GetProperty("active").GetInt32() > 0)
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"Queue {queue} not drained after 60 s.");
            await Task.Delay(20);
        }
    }
}
