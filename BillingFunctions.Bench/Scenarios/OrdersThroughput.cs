using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using BillingFunctions.Bench.Hosts;
using BillingFunctions.Bench.Reporting;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Orders;
using Microsoft.Extensions.DependencyInjection;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Bench.Scenarios;

/// <summary>
/// Orders end to end on the real server: POST /api/orders (202) for one basket per account, with a share of the order
/// messages delivered twice (a copy under a fresh message id, so duplicate detection cannot drop it and only the
/// charge-once-per-basket rule stands between it and a double charge). Measures acceptance over HTTP and the rate
/// at which the billing consumer decides orders until both queues are drained; then checks every basket was charged once.
/// </summary>
internal sealed class OrdersThroughput : Scenario
{
    private const string Amount = "1";
    private readonly Size<int> _orders = new("--orders", "orders, one basket per account", 10_000, 500);
    private readonly Size<int> _connections = new("--order-connections", "concurrent keep-alive clients placing orders", 64, 16);
    private readonly Size<int> _consumers = new("--order-consumers", "concurrent billing consumers (Billing:Queues:OrderConsumers)", 32, 32);
    private readonly Size<int> _duplicatePercent = new("--duplicate-percent", "share of order messages delivered twice", 30, 30);

    public override string Name => "orders";
    public override string Description => "Orders per second through the durable queue with duplicate deliveries, charged once per basket.";
    public override IEnumerable<Option> Options => [_orders.Option, _connections.Option, _consumers.Option, _duplicatePercent.Option];

    public override async Task<ScenarioResult> RunAsync(RunContext context)
    {
        var orders = context.Get(_orders);
        var connections = context.Get(_connections);
        var duplicatePercent = context.Get(_duplicatePercent);
        var consumers = context.Get(_consumers);
        await using var server = await ServerHost.StartAsync(context.NewDataDirectory("orders"), $"Billing:Queues:OrderConsumers={consumers}");
        using var client = new BenchClient(server.BaseUrl, connections);
        var queues = server.Services.GetRequiredService<OrderQueues>();

        context.Progress.Stage($"opening {orders:N0} accounts, each with a basket");
        var baskets = new string[orders];
        await Parallel.ForAsync(0, orders, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
        {
            await client.OpenAndFund(Buyer(i), "{}", "10");
            var answer = BenchClient.Expect(await client.SendReading(HttpMethod.Post, "/api/baskets", $$"""{"userId":"{{Buyer(i)}}"}"""), HttpStatusCode.OK);
            baskets[i] = JsonDocument.Parse(answer).RootElement.GetProperty("basketId").GetString()!;
        });

        context.Progress.Stage($"placing {orders:N0} orders with {connections} connections, {duplicatePercent} % delivered twice");
        var latencies = new long[orders];
        var duplicates = 0;
        var clock = Stopwatch.StartNew();
        await Parallel.ForAsync(0, orders, new ParallelOptions { MaxDegreeOfParallelism = connections }, async (i, _) =>
        {
            var started = Stopwatch.GetTimestamp();
            BenchClient.Expect(await client.SendReading(HttpMethod.Post, "/api/orders",
                $$"""{"userId":"{{Buyer(i)}}","basketId":"{{baskets[i]}}","amount":"{{Amount}}"}""", read: false), HttpStatusCode.Accepted);
            latencies[i] = Stopwatch.GetElapsedTime(started).Ticks;
            if (Random.Shared.Next(100) < duplicatePercent)
            {
                Interlocked.Increment(ref duplicates);
                var copy = new OrderMessage(baskets[i], Buyer(i), new Money(1_000_000), 1);
                await queues.Orders.SendAsync($"copy-{baskets[i]}", OrderWire.Write(copy));
            }
        });
        var acceptedSeconds = clock.Elapsed.TotalSeconds;

        while (queues.Orders.Stats().Active > 0 || queues.PaymentResults.Stats().Active > 0)
        {
            context.Progress.Report("charging", queues.Orders.Stats().Completed, orders + duplicates);
            await Task.Delay(20, context.Cancellation);
        }
        var drainedSeconds = clock.Elapsed.TotalSeconds;
        context.Progress.Done();

        var (paidOnce, wrong) = (0, 0);
        for (var i = 0; i < orders; i++)
            if (server.Engine.TryGetAccount(Buyer(i), out var account) && account.Balance.Units == 9_000_000)
                paidOnce++;
            else
                wrong++;
        var accept = new Latencies(latencies);
        var stats = queues.Orders.Stats();
        return new ScenarioResult(Name, new Dictionary<string, string>
        {
            ["orders"] = orders.ToString(),
            ["connections"] = connections.ToString(),
            ["duplicate deliveries"] = $"{duplicates} ({duplicatePercent} %)",
            ["consumers"] = $"{consumers} billing, 8 notifications",
            ["server"] = "in-process BillingServer.Build, Kestrel on 127.0.0.1, synchronous=FULL",
        },
        [
            new("accept (POST /api/orders)", "throughput", orders / acceptedSeconds, "orders/s"),
            new("accept (POST /api/orders)", "latency p50", Milliseconds(accept.Percentile(50)), "ms"),
            new("accept (POST /api/orders)", "latency p99", Milliseconds(accept.Percentile(99)), "ms"),
            new("end to end (until both queues drained)", "throughput", orders / drainedSeconds, "orders/s"),
            new("end to end (until both queues drained)", "deliveries handled", (orders + duplicates) / drainedSeconds, "messages/s"),
            new("end to end (until both queues drained)", "redeliveries", stats.Redeliveries, "messages"),
            new("check", "baskets charged exactly once", paidOnce, "baskets", $"= {orders}"),
            new("check", "baskets charged zero or twice", wrong, "baskets", "0"),
        ]);
    }

    private static string Buyer(int i) => $"buyer-{i:D7}";

    private static double Milliseconds(long ticks) => Math.Round(ticks / (double)TimeSpan.TicksPerMillisecond, 3);
}
