using System.Net;
using System.Net.Http.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>The order flow against the real server: baskets, orders on the queue, payments, notifications.</summary>
public sealed class OrderFlowTests(SharedServer shared) : IClassFixture<SharedServer>
{
    private HttpClient Client => shared.Server.Client;

    [Fact]
    public async Task Orders_are_paid_until_the_money_runs_out_and_lists_the_notifications_newest_first()
    {
        (await Client.OpenAccount("pavel")).EnsureSuccessStatusCode();
        (await Client.Credit("pavel", "100")).EnsureSuccessStatusCode();

        var outcomes = new List<(string Basket, string Status)>();
        for (var i = 0; i < 4; i++)
        {
            var basket = await Client.Basket("pavel");
            Assert.Equal(basket, await Client.Basket("pavel")); // the same id until it is paid
            var placed = await Client.PlaceOrder("pavel", basket, "30");
            Assert.Equal(HttpStatusCode.Accepted, placed.StatusCode);
            Assert.Equal("pending", (await placed.Json()).Str("status"));
            var order = await Client.DecidedOrder(basket);
            outcomes.Add((basket, order.Str("status")));
            if (order.Str("status") == "rejected")
            {
                Assert.Contains("Needs 30", order.Str("reason"));
                Assert.Equal(basket, await Client.Basket("pavel")); // a rejected basket stays open
            }
        }

        Assert.Equal(["paid", "paid", "paid", "rejected"], outcomes.Select(o => o.Status));
        Assert.Equal(4, outcomes.Select(o => o.Basket).Distinct().Count()); // a new basket after each payment
        Assert.Equal(10m, (await Client.Account("pavel")).Dec("balance"));

        var notifications = await Client.Notifications("pavel");
        Assert.Equal(["order.rejected", "order.paid", "order.paid", "order.paid"], notifications.Select(n => n.Str("type")));
        Assert.Equal(outcomes.Select(o => o.Basket).Reverse(), notifications.Select(n => n.Str("basketId")));
        // The account id is "userId" on these routes, the platform's name for it.
        Assert.All(notifications, n => Assert.Equal("pavel", n.Str("userId")));
        var shown = await Client.Order(outcomes[0].Basket);
        Assert.Equal("pavel", shown.Str("userId"));
        Assert.False(shown.TryGetProperty("accountId", out _));

        var ledger = await Client.Ledger("pavel");
        Assert.Equal(3, ledger.Count(e => e.Str("type") == "order.paid"));
        Assert.All(ledger.Where(e => e.Str("type") == "order.paid"), e => Assert.Equal(-30m, e.Dec("delta")));
        Assert.Single(ledger, e => e.Str("type") == "order.rejected" && e.Dec("delta") == 0m);
    }

    [Fact]
    public async Task A_rejected_basket_is_paid_after_a_credit_and_then_a_new_basket_is_handed_out()
    {
        (await Client.OpenAccount("retry-buyer")).EnsureSuccessStatusCode();
        var basket = await Client.Basket("retry-buyer");
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PlaceOrder("retry-buyer", basket, "5")).StatusCode);
        Assert.Equal("rejected", (await Client.DecidedOrder(basket)).Str("status"));

        (await Client.Credit("retry-buyer", "7")).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PlaceOrder("retry-buyer", basket, "5")).StatusCode);
        var paid = await Client.DecidedOrder(basket, attempt: 2);
        Assert.Equal("paid", paid.Str("status"));
        Assert.Equal(2, paid.GetProperty("attempt").GetInt32());

        Assert.NotEqual(basket, await Client.Basket("retry-buyer"));
        Assert.Equal(2m, (await Client.Account("retry-buyer")).Dec("balance"));
        var notifications = await Client.Notifications("retry-buyer");
        Assert.Equal([$"{basket}:2", $"{basket}:1"], notifications.Select(n => n.Str("notificationId")));
    }

    [Fact]
    public async Task An_order_payment_moves_depletesAt_and_can_deplete_the_account_which_fires_the_cutoff()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        (await Client.OpenAccount("order-drain", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
        (await Client.Credit("order-drain", "1000")).EnsureSuccessStatusCode();
        (await Client.SetRate("order-drain", "1")).EnsureSuccessStatusCode();
        var before = (await Client.Account("order-drain")).Ticks("depletesAt");

        var first = await Client.Basket("order-drain");
        await Client.PlaceOrder("order-drain", first, "500");
        Assert.Equal("paid", (await Client.DecidedOrder(first)).Str("status"));
        var after = (await Client.Account("order-drain")).Ticks("depletesAt");
        Assert.InRange(before - after, 499 * TimeSpan.TicksPerSecond, 500 * TimeSpan.TicksPerSecond);

        // Pay all but a sliver: the account runs dry about half a second later and the platform is told.
        var available = (await Client.Account("order-drain")).Dec("available");
        var second = await Client.Basket("order-drain");
        await Client.PlaceOrder("order-drain", second, (available - 1.5m).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("paid", (await Client.DecidedOrder(second)).Str("status"));
        var depletesAt = (await Client.Account("order-drain")).Ticks("depletesAt");
        var calls = await receiver.WaitForAsync("order-drain");
        Assert.All(calls, c => Assert.True(c.ArrivedTicks >= depletesAt, "cut-off before the zero instant"));
        Assert.Equal("depleted", (await Client.Account("order-drain")).Str("status"));
    }

    [Fact]
    public async Task Bad_orders_get_problems_and_change_nothing()
    {
        (await Client.OpenAccount("bad-orders")).EnsureSuccessStatusCode();
        (await Client.OpenAccount("someone-else")).EnsureSuccessStatusCode();
        (await Client.Credit("bad-orders", "50")).EnsureSuccessStatusCode();
        var basket = await Client.Basket("bad-orders");
        var foreign = await Client.Basket("someone-else");
        var enqueued = (await Client.QueueStats("orders")).GetProperty("enqueued").GetInt64();

        await ProblemAssert.Is(await Client.PostAsJsonAsync("/api/baskets", new { userId = "nobody-here" }), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Client.PostAsJsonAsync("/api/baskets", new { userId = "bad id!" }), HttpStatusCode.BadRequest, "validation");
        await ProblemAssert.Is(await Client.PostAsJsonAsync("/api/baskets", new { }), HttpStatusCode.BadRequest, "validation");
        await ProblemAssert.Is(await Client.PlaceOrder("nobody-here", basket, "1"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Client.PlaceOrder("bad-orders", "no-such-basket", "1"), HttpStatusCode.NotFound, "not-found");
        await ProblemAssert.Is(await Client.PlaceOrder("bad-orders", foreign, "1"), HttpStatusCode.NotFound, "not-found");
        foreach (var amount in new[] { "0", "-1", "1.0000001", "abc", "", "99999999999999999999" })
            await ProblemAssert.Is(await Client.PlaceOrder("bad-orders", basket, amount), HttpStatusCode.BadRequest, "validation");
        await ProblemAssert.Is(await Client.PostAsJsonAsync("/api/orders", new { userId = "bad-orders", basketId = basket, amount = true }),
            HttpStatusCode.BadRequest, "validation");
        await ProblemAssert.Is(await Client.GetAsync("/api/orders/" + basket), HttpStatusCode.NotFound, "not-found"); // no order placed yet
        await ProblemAssert.Is(await Client.GetAsync("/api/notifications"), HttpStatusCode.BadRequest, "validation");
        await ProblemAssert.Is(await Client.GetAsync("/api/notifications?userId=bad-orders&before=-1"), HttpStatusCode.BadRequest, "validation");

        Assert.Equal(enqueued, (await Client.QueueStats("orders")).GetProperty("enqueued").GetInt64());
        Assert.Equal(50m, (await Client.Account("bad-orders")).Dec("balance"));
        Assert.Equal(basket, await Client.Basket("bad-orders"));

        // A pending order may be placed again as it was (a client retry), but not changed; a paid basket takes no order.
        Assert.Equal(HttpStatusCode.Accepted, (await Client.PlaceOrder("bad-orders", basket, "20")).StatusCode);
        var retried = await Client.PlaceOrder("bad-orders", basket, "20");
        Assert.True(retried.StatusCode == HttpStatusCode.Accepted
            || (int)retried.StatusCode == 409, $"retry of a pending order: {retried.StatusCode}"); // 409 basket-paid if already charged
        Assert.Equal("paid", (await Client.DecidedOrder(basket)).Str("status"));
        await ProblemAssert.Is(await Client.PlaceOrder("bad-orders", basket, "20"), HttpStatusCode.Conflict, "basket-paid");
        await ProblemAssert.Is(await Client.PlaceOrder("bad-orders", basket, "1"), HttpStatusCode.Conflict, "basket-paid");
        Assert.Equal(30m, (await Client.Account("bad-orders")).Dec("balance"));
        Assert.Single(await Client.Notifications("bad-orders"));
    }

    [Fact]
    public async Task Notifications_page_newest_first_without_gaps_or_repeats()
    {
        (await Client.OpenAccount("pager")).EnsureSuccessStatusCode();
        (await Client.Credit("pager", "100")).EnsureSuccessStatusCode();
        var baskets = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            var basket = await Client.Basket("pager");
            await Client.PlaceOrder("pager", basket, "1");
            await Client.DecidedOrder(basket);
            baskets.Add(basket);
        }
        await Client.Drained("payment-results"); // a decided order's notification is recorded by the next consumer
        var seen = new List<string>();
        string? before = null;
        do
        {
            var page = await (await Client.GetAsync($"/api/notifications?userId=pager&limit=3{(before is null ? "" : "&before=" + before)}")).Json();
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(n => n.Str("basketId")));
            before = page.GetProperty("next").ValueKind == System.Text.Json.JsonValueKind.Null ? null : page.GetProperty("next").GetInt64().ToString();
        } while (before is not null);
        Assert.Equal(Enumerable.Reverse(baskets), seen);
    }
}
