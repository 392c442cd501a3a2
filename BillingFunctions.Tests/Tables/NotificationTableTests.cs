using Microsoft.Extensions.DependencyInjection;
using Azure.Data.Tables;
using BillingFunctions.Core.Orders;
using Microsoft.Extensions.Logging.Abstractions;
using BillingFunctions;
using BillingFunctions.Orders;
using BillingFunctions.Tables;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Tables;

/// <summary>
/// The notifications subscription's consumer (<c>RecordNotification</c>) against Azurite's table endpoint: Service Bus
/// delivers at least once, so the same payment result can arrive again; it must leave one row per result id, as first written.
/// </summary>
public sealed class NotificationTableTests
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public async Task A_redelivered_result_leaves_one_row_with_the_content_first_recorded()
    {
        var (functions, bus, tables) = await Consumer();
        await using var _ = bus;
        var account = AppOnAzurite.Unique("account");
        var paid = new PaymentResult("b-1", account, new Money(4_500_000), 1, OrderStatus.Paid, null, T0);

        await functions.RecordNotification(OrderWire.Write(paid), CancellationToken.None);
        var first = Assert.Single(await Rows(tables, account));
        await functions.RecordNotification(OrderWire.Write(paid), CancellationToken.None);
        // Another message under the same result id: what is kept must be what was first recorded, not the latest.
        await functions.RecordNotification(OrderWire.Write(paid with { Reason = "changed", At = T0 + 1 }), CancellationToken.None);

        var kept = Assert.Single(await Rows(tables, account));
        Assert.Equal((paid.ResultId, "b-1", 1, "Paid", 4_500_000L, (string?)null, T0),
            (kept.RowKey, kept.BasketId, kept.Attempt, kept.Status, kept.Amount, kept.Reason, kept.At));
        Assert.Equal(first.ETag, kept.ETag); // not rewritten at all
    }

    [Fact]
    public async Task Concurrent_deliveries_of_one_result_make_one_row_and_another_attempt_makes_its_own()
    {
        var (functions, bus, tables) = await Consumer();
        await using var _ = bus;
        var account = AppOnAzurite.Unique("account");
        var rejected = new PaymentResult("b-2", account, new Money(9_000_000), 1, OrderStatus.Rejected, "Insufficient funds", T0);
        var paid = new PaymentResult("b-2", account, new Money(9_000_000), 2, OrderStatus.Paid, null, T0 + 10);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => functions.RecordNotification(OrderWire.Write(rejected), CancellationToken.None)));
        await functions.RecordNotification(OrderWire.Write(paid), CancellationToken.None);

        var rows = await Rows(tables, account);
        Assert.Equal([rejected.ResultId, paid.ResultId], rows.Select(r => r.RowKey).Order(StringComparer.Ordinal));
        Assert.Equal(("Rejected", "Insufficient funds"), (rows[0].Status, rows[0].Reason));
    }

    [Fact]
    public async Task An_unreadable_result_writes_nothing_and_fails_so_Service_Bus_can_dead_letter_it()
    {
        var (functions, bus, tables) = await Consumer();
        await using var _ = bus;
        var account = AppOnAzurite.Unique("account");

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            functions.RecordNotification($$"""{"basketId":"b-3","userId":"{{account}}","amount":"x"}""", CancellationToken.None));
        Assert.Empty(await Rows(tables, account));
    }

    /// <summary>
    /// The order functions as the host builds them. This consumer never sends, so its Service Bus client only needs a
    /// well-formed connection string; it connects to nothing.
    /// </summary>
    [Fact]
    public async Task The_listing_pages_an_accounts_results_newest_first_by_the_cursor_it_hands_out()
    {
        var (functions, bus, _) = await Consumer();
        await using var _bus = bus;
        var account = AppOnAzurite.Unique("account");
        for (var attempt = 1; attempt <= 5; attempt++)
            await functions.RecordNotification(OrderWire.Write(
                new PaymentResult("b-p", account, new Money(1_000_000), attempt, OrderStatus.Rejected, "Insufficient funds", T0 + attempt)),
                CancellationToken.None);

        var seen = new List<string>();
        string? before = null;
        for (var page = 0; page < 5; page++)
        {
            var listed = await List(functions, $"userId={account}&limit=2" + (before is null ? "" : $"&before={before}"));
            seen.AddRange(listed.GetProperty("items").EnumerateArray().Select(n => n.GetProperty("notificationId").GetString()!));
            // The account id is "userId" on the wire, the platform's name for it.
            Assert.All(listed.GetProperty("items").EnumerateArray(), n => Assert.Equal(account, n.GetProperty("userId").GetString()));
            var next = listed.GetProperty("next");
            if (next.ValueKind == System.Text.Json.JsonValueKind.Null)
                break;
            before = next.GetRawText();
        }
        // Recorded one after another, so newest first is attempt 5 down to 1; every result once across the pages.
        Assert.Equal(Enumerable.Range(1, 5).Reverse().Select(a => $"b-p:{a}"), seen);
    }

    private static async Task<System.Text.Json.JsonElement> List(OrderFunctions functions, string query)
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext
        {
            RequestServices = new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddLogging().BuildServiceProvider(),
        };
        context.Request.QueryString = new Microsoft.AspNetCore.Http.QueryString("?" + query);
        context.Response.Body = new MemoryStream();
        var action = await functions.Notifications(context.Request);
        await action.ExecuteResultAsync(new Microsoft.AspNetCore.Mvc.ActionContext(context, new Microsoft.AspNetCore.Routing.RouteData(),
            new Microsoft.AspNetCore.Mvc.Abstractions.ActionDescriptor()));
        Assert.Equal(200, context.Response.StatusCode);
        context.Response.Body.Position = 0;
        return System.Text.Json.JsonDocument.Parse(context.Response.Body).RootElement.Clone();
    }

    private static async Task<(OrderFunctions Functions, OrderBus Bus, BillingTables Tables)> Consumer()
    {
        var settings = await AppOnAzurite.Settings(("ServiceBusConnection", "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=unused;SharedAccessKey=unused"));
        var tables = new BillingTables(settings);
        var bus = new OrderBus(settings);
        return (new OrderFunctions(settings, new BasketStore(tables), bus, tables, TimeProvider.System, NullLogger<OrderFunctions>.Instance), bus, tables);
    }

    private static async Task<List<NotificationRow>> Rows(BillingTables tables, string account)
    {
        var rows = new List<NotificationRow>();
        await foreach (var row in (await tables.Notifications).QueryAsync<NotificationRow>(TableClient.CreateQueryFilter($"PartitionKey eq {account}")))
            rows.Add(row);
        return rows.OrderBy(r => r.RowKey, StringComparer.Ordinal).ToList();
    }
}
