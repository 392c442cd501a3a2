using System.Net;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// kill -9 of the real server process after a basket was charged but before its order message was completed:
/// the message is delivered again after the restart, finds the basket paid, charges nothing and re-emits the result.
/// </summary>
public sealed class OrderCrashTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task Killed_between_charging_and_completing_the_basket_is_paid_once_and_the_result_is_emitted()
    {
        var data = TempDirectory.Create();
        var baskets = new List<string>();

        // The consumer pauses a minute between charging and completing: a wide, certain window for the kill.
        var server = await ServerProcess.StartAsync(data, "Billing:Queues:CompleteDelayMilliseconds=60000");
        (await server.Client.OpenAccount("crash-buyer")).EnsureSuccessStatusCode();
        (await server.Client.Credit("crash-buyer", "100")).EnsureSuccessStatusCode();
        var first = await server.Client.Basket("crash-buyer");
        Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PlaceOrder("crash-buyer", first, "25")).StatusCode);
        Assert.Equal("paid", (await server.Client.DecidedOrder(first)).Str("status"));
        var orders = await server.Client.QueueStats("orders");
        Assert.Equal(1, orders.GetProperty("locked").GetInt32()); // charged, not yet completed
        Assert.Equal(0, orders.GetProperty("completed").GetInt64());
        server.KillHard();
        await server.DisposeAsync();

        await using var restarted = await ServerProcess.StartAsync(data);
        await restarted.Client.Drained("orders");
        await restarted.Client.Drained("payment-results");
        var stats = await restarted.Client.QueueStats("orders");
        Assert.Equal(1, stats.GetProperty("redeliveries").GetInt64()); // the same message, its second delivery
        Assert.Equal(1, stats.GetProperty("completed").GetInt64());

        Assert.Equal(75m, (await restarted.Client.Account("crash-buyer")).Dec("balance"));
        Assert.Single(await restarted.Client.Ledger("crash-buyer"), e => e.Str("type") == "order.paid");
        var notification = Assert.Single(await restarted.Client.Notifications("crash-buyer"));
        Assert.Equal($"{first}:1", notification.Str("notificationId"));
        Assert.Equal("paid", (await restarted.Client.Order(first)).Str("status"));
        output.WriteLine($"killed with basket {first} charged and its message locked; after restart: redelivered once, charged once, one notification");
    }

    [Fact]
    public async Task Orders_accepted_before_a_kill_are_all_decided_after_the_restart_each_basket_paid_at_most_once()
    {
        var data = TempDirectory.Create();
        var accepted = new List<(string Account, string Basket)>();
        var server = await ServerProcess.StartAsync(data);
        for (var u = 0; u < 8; u++)
        {
            (await server.Client.OpenAccount($"k-{u}")).EnsureSuccessStatusCode();
            (await server.Client.Credit($"k-{u}", "1000")).EnsureSuccessStatusCode();
        }
        using var stop = new CancellationTokenSource();
        var placers = Enumerable.Range(0, 8).Select(u => Task.Run(async () =>
        {
            var mine = new List<(string, string)>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var basket = await server.Client.Basket($"k-{u}");
                    if ((await server.Client.PlaceOrder($"k-{u}", basket, "1")).StatusCode == HttpStatusCode.Accepted)
                        mine.Add(($"k-{u}", basket));
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }
            return mine;
        })).ToArray();
        await Task.Delay(1500);
        server.KillHard();
        stop.Cancel();
        foreach (var mine in await Task.WhenAll(placers))
            accepted.AddRange(mine);
        await server.DisposeAsync();

        await using var restarted = await ServerProcess.StartAsync(data);
        await restarted.Client.Drained("orders");
        await restarted.Client.Drained("payment-results");
        Assert.True(accepted.Count > 20, $"only {accepted.Count} orders were accepted; the load did not run");
        foreach (var (_, basket) in accepted.DistinctBy(a => a.Basket))
        {
            var order = await restarted.Client.Order(basket);
            Assert.True(order.Str("status") == "paid", order.ToString());
        }
        for (var u = 0; u < 8; u++)
        {
            var ledger = await restarted.Client.Ledger($"k-{u}");
            var payments = ledger.Where(e => e.Str("type") == "order.paid").Select(e => e.Str("operationId")).ToList();
            Assert.Equal(payments.Count, payments.Distinct().Count());
            Assert.Equal(1000m - payments.Count, (await restarted.Client.Account($"k-{u}")).Dec("balance"));
            Assert.Subset(payments.ToHashSet(), accepted.Where(a => a.Account == $"k-{u}").Select(a => a.Basket).ToHashSet());
            Assert.Equal(payments.Count, (await restarted.Client.Notifications($"k-{u}")).Count);
        }
        output.WriteLine($"{accepted.Count} orders acknowledged (202) before kill -9; all paid exactly once after restart");
    }
}
