using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Orders;

namespace BillingFunctions.Tests.Core;

/// <summary>Given a basket (and its account), when an order is placed or its message consumed, then this.</summary>
public sealed class OrderDeciderSpec
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly Money Ten = new(10_000_000);

    private static AccountState Account(long units, string rate = "0")
    {
        var state = AccountDecider.Open(null, "pavel", "EUR", null, null, T0).State;
        if (units > 0)
            state = AccountDecider.Decide(state, new Credit("fund", new Money(units)), T0).State;
        Rate.TryParse(rate, out var perSecond, out _);
        return AccountDecider.Decide(state, new SetRate("rate", perSecond), T0).State;
    }

    private static (Basket Basket, OrderMessage Message) Placed(string basketId = "b-1", Money? amount = null)
    {
        var placement = OrderDecider.Place(Basket.Open(basketId, "pavel", T0), basketId, "pavel", amount ?? Ten);
        return (placement.Basket!, placement.Message!);
    }

    [Fact]
    public void The_open_basket_is_handed_out_again_until_it_is_paid()
    {
        var first = OrderDecider.OpenBasket(null, "pavel", "b-1", T0);
        Assert.Same(first, OrderDecider.OpenBasket(first, "pavel", "b-2", T0));
        var rejected = first with { Status = OrderStatus.Rejected, Attempt = 1 };
        Assert.Same(rejected, OrderDecider.OpenBasket(rejected, "pavel", "b-2", T0));
        Assert.Equal("b-2", OrderDecider.OpenBasket(first with { Status = OrderStatus.Paid }, "pavel", "b-2", T0).BasketId);
    }

    [Fact]
    public void Placing_an_order_makes_the_basket_pending_and_names_the_message_after_the_attempt()
    {
        var (basket, message) = Placed();
        Assert.Equal(OrderStatus.Pending, basket.Status);
        Assert.Equal(1, basket.Attempt);
        Assert.Equal("b-1:1", message.MessageId);
        Assert.Equal(new OrderMessage("b-1", "pavel", Ten, 1), message);
    }

    [Fact]
    public void The_same_pending_order_again_needs_no_new_message_but_a_different_amount_conflicts()
    {
        var (pending, _) = Placed();
        var again = OrderDecider.Place(pending, "b-1", "pavel", Ten);
        Assert.True(again.Accepted);
        Assert.Null(again.Message);
        Assert.Equal(RejectionKind.OrderPending, OrderDecider.Place(pending, "b-1", "pavel", new Money(1)).Rejection!.Kind);
    }

    [Fact]
    public void Unknown_foreign_paid_or_non_positive_orders_are_refused()
    {
        var open = Basket.Open("b-1", "pavel", T0);
        Assert.Equal(RejectionKind.NotFound, OrderDecider.Place(null, "b-1", "pavel", Ten).Rejection!.Kind);
        Assert.Equal(RejectionKind.NotFound, OrderDecider.Place(open, "b-1", "mallory", Ten).Rejection!.Kind);
        Assert.Equal(RejectionKind.BasketPaid, OrderDecider.Place(open with { Status = OrderStatus.Paid }, "b-1", "pavel", Ten).Rejection!.Kind);
        Assert.Equal(RejectionKind.Validation, OrderDecider.Place(open, "b-1", "pavel", Money.Zero).Rejection!.Kind);
    }

    [Fact]
    public void Charging_with_enough_funds_pays_the_basket_with_an_order_paid_debit()
    {
        var (basket, message) = Placed();
        var charge = OrderDecider.Charge(basket, message, Account(25_000_000), T0 + TimeSpan.TicksPerSecond);

        Assert.Equal(Disposition.Complete, charge.Disposition);
        Assert.Equal(OrderStatus.Paid, charge.Basket!.Status);
        var paid = Assert.Single(charge.Account!.Events);
        Assert.Equal((EventTypes.OrderPaid, "b-1", -10_000_000L, 15_000_000L), (paid.Type, paid.OperationId, paid.Delta, paid.BalanceAfter));
        Assert.Equal(new PaymentResult("b-1", "pavel", Ten, 1, OrderStatus.Paid, null, T0 + TimeSpan.TicksPerSecond), charge.Result);
    }

    [Fact]
    public void Charging_without_enough_funds_rejects_the_order_records_it_and_keeps_the_money()
    {
        var (basket, message) = Placed();
        var charge = OrderDecider.Charge(basket, message, Account(4_000_000), T0);

        Assert.Equal(Disposition.Complete, charge.Disposition);
        Assert.Equal(OrderStatus.Rejected, charge.Basket!.Status);
        Assert.Contains("only 4 is available", charge.Basket.Reason);
        var rejected = Assert.Single(charge.Account!.Events);
        Assert.Equal((EventTypes.OrderRejected, 0L, 4_000_000L), (rejected.Type, rejected.Delta, rejected.BalanceAfter));
        Assert.Equal(OrderStatus.Rejected, charge.Result!.Status);
        Assert.True(OrderDecider.Place(charge.Basket, "b-1", "pavel", Ten).Message is { Attempt: 2 });
    }

    [Fact]
    public void Consumption_settled_before_the_payment_is_reported_on_its_event_so_the_ledger_reconciles()
    {
        var (basket, message) = Placed();
        var charge = OrderDecider.Charge(basket, message, Account(25_000_000, rate: "1"), T0 + 5 * TimeSpan.TicksPerSecond);
        var paid = Assert.Single(charge.Account!.Events);
        Assert.Equal((5_000_000L, 20_000_000L, 10_000_000L), (paid.Consumed, paid.BalanceBefore, paid.BalanceAfter));
    }

    [Fact]
    public void A_redelivery_for_a_paid_basket_charges_nothing_and_re_emits_the_same_result()
    {
        var (basket, message) = Placed();
        var first = OrderDecider.Charge(basket, message, Account(25_000_000), T0);
        var again = OrderDecider.Charge(first.Basket, message, first.Account!.State, T0 + TimeSpan.TicksPerHour);

        Assert.Equal(Disposition.Complete, again.Disposition);
        Assert.False(again.Changed);
        Assert.Equal(first.Result, again.Result);
    }

    [Fact]
    public void An_older_attempt_redelivered_after_a_retry_re_emits_its_rejection_and_charges_nothing()
    {
        var (basket, message) = Placed();
        var rejected = OrderDecider.Charge(basket, message, Account(1_000_000), T0).Basket!;
        var retry = OrderDecider.Place(rejected, "b-1", "pavel", Ten);
        var paid = OrderDecider.Charge(retry.Basket, retry.Message!, Account(50_000_000), T0).Basket!;

        var stale = OrderDecider.Charge(paid, message, Account(50_000_000), T0);
        Assert.False(stale.Changed);
        Assert.Equal(("b-1:1", OrderStatus.Rejected), (stale.Result!.ResultId, stale.Result.Status));
    }

    [Fact]
    public void A_message_for_no_basket_is_retried_and_one_that_contradicts_its_basket_is_dead_lettered()
    {
        var (basket, message) = Placed();
        Assert.Equal(Disposition.Retry, OrderDecider.Charge(null, message, Account(0), T0).Disposition);
        Assert.Equal(Disposition.Retry, OrderDecider.Charge(basket, message, null, T0).Disposition);
        Assert.Equal(Disposition.DeadLetter, OrderDecider.Charge(basket, message with { AccountId = "mallory" }, Account(0), T0).Disposition);
        Assert.Equal(Disposition.DeadLetter, OrderDecider.Charge(basket, message with { Attempt = 2 }, Account(0), T0).Disposition);
    }
}
