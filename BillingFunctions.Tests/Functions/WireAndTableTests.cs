using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Webhooks;
using BillingFunctions;
using BillingFunctions.Accounts;
using BillingFunctions.Effects;
using BillingFunctions.Orders;
using BillingFunctions.Tables;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Functions;

/// <summary>What crosses the wire and the tables: queue/topic JSON, cut-off requests and their signature, table rows.</summary>
public class WireAndTableTests
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public void Order_messages_and_results_round_trip_and_bad_ones_are_refused_with_a_reason()
    {
        var message = new OrderMessage("b-1", "u1", new Money(4_500_000), 2);
        Assert.True(OrderWire.TryReadOrder(OrderWire.Write(message), out var read, out _));
        Assert.Equal(message, read);

        var result = new PaymentResult("b-1", "u1", new Money(4_500_000), 2, OrderStatus.Rejected, "Needs more", T0);
        Assert.True(OrderWire.TryReadResult(OrderWire.Write(result), out var readResult));
        Assert.Equal(result, readResult);

        foreach (var bad in new[] { "{", "{}", """{"basketId":"b","userId":"u","amount":"0","attempt":1}""", """{"basketId":"b","userId":"u","amount":"1","attempt":0}""" })
        {
            Assert.False(OrderWire.TryReadOrder(bad, out _, out var reason));
            Assert.StartsWith("Not an order message", reason);
        }
    }

    [Fact]
    public void A_cutoff_request_calls_the_url_with_the_user_and_a_signature_the_receiver_verifies()
    {
        var settings = new BillingSettings("USD", "https://platform.example/cutoff?zone=1", "s3cret", [], [], null, 1, 1, 1, null, null, null, null);
        var call = new CutoffCall("acc-1:7", "acc 1", null, 2, T0);
        using var request = CutoffRequests.Build(call, settings, 1_740_000_000, 3)!;
        Assert.Equal("https://platform.example/cutoff?zone=1&userId=acc%201", request.RequestUri!.AbsoluteUri);
        string Header(string name) => request.Headers.GetValues(name).Single();
        Assert.Equal(("acc-1:7", "3"), (Header(CutoffSignature.EventIdHeader), Header(CutoffSignature.AttemptHeader)));
        Assert.True(CutoffSignature.Verify("s3cret", Header(CutoffSignature.TimestampHeader), "acc-1:7", "acc 1", Header(CutoffSignature.SignatureHeader)));
        Assert.False(CutoffSignature.Verify("other", Header(CutoffSignature.TimestampHeader), "acc-1:7", "acc 1", Header(CutoffSignature.SignatureHeader)));

        Assert.Null(CutoffRequests.Build(call, settings with { CutoffUrl = null }, 1, 1));
    }

    [Fact]
    public void Ledger_rows_sort_by_sequence_and_give_back_the_event()
    {
        var e = new AccountEvent(EventTypes.HoldPlaced, "acc-1", T0, "op-1", 5, 0, 2, 10, 8, 5, 1, "h1", null, 7);
        var stored = new StoredEvent(12, "acc-1:12", e);
        var row = LedgerRow.From(stored);
        Assert.Equal(("acc-1", "0000000000000000012"), (row.PartitionKey, row.RowKey));
        Assert.Equal(stored, row.ToEvent());
        Assert.True(string.CompareOrdinal(LedgerRow.Key(9), LedgerRow.Key(10)) < 0);
    }

    [Fact]
    public void Basket_rows_and_notification_rows_keep_what_the_order_decider_needs()
    {
        var basket = new Basket("b-1", "u1", T0, OrderStatus.Rejected, 3, new Money(7), T0 + 1, "short");
        Assert.Equal(basket, BasketRow.From(basket).ToBasket());
        var result = new PaymentResult("b-1", "u1", new Money(7), 3, OrderStatus.Paid, null, T0);
        var row = NotificationRow.From(result, T0 + 5);
        Assert.Equal(("u1", "b-1:3"), (row.PartitionKey, row.RowKey));
        Assert.Equal("paid", OrderRequests.Render(row).Status);
    }
}
