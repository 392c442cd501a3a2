using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Identity;
using BillingFunctions.Core.Orders;
using BillingFunctions.Accounts;
using BillingFunctions.Orders;
using BillingFunctions.Transfers;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Functions;

/// <summary>
/// At most one charge per order attempt, decided inside the account entity together with the balance, and the
/// consumer's complete / retry / dead-letter decisions around it; transfers decided under both locks.
/// </summary>
public class PaymentAndTransferTests
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;
    private static readonly IdempotencyRetention Retention = IdempotencyRetention.Default;

    private static AccountRecord Funded(string accountId, long units, string currency = "USD")
    {
        var record = new AccountRecord();
        AccountBook.Write(record, new AccountWrite(WriteKind.Open, accountId, "open", false, "open", Currency: currency), T0, Retention);
        if (units > 0)
            AccountBook.Write(record, new AccountWrite(WriteKind.Credit, accountId, "fund", true, $"credit:{units}", Amount: units), T0, Retention);
        return record;
    }

    private static (Basket Basket, OrderMessage Message) Ordered(string accountId, long units, Basket? basket = null)
    {
        var placement = OrderDecider.Place(basket ?? Basket.Open("b-1", accountId, T0), "b-1", accountId, new Money(units));
        return (placement.Basket!, placement.Message!);
    }

    [Fact]
    public void An_attempt_is_charged_once_however_often_it_is_delivered()
    {
        var record = Funded("u1", 10_000_000);
        var (basket, message) = Ordered("u1", 4_000_000);
        Assert.Equal(OrderAction.Charge, OrderConsumer.Before(basket, message, T0).Action);

        var first = AccountBook.Pay(record, OrderConsumer.Request(basket, message), T0 + 1, out var dispatches);
        Assert.True(first.Changed);
        Assert.Equal(EventTypes.OrderPaid, Assert.Single(dispatches.OfType<RecordEvents>()).Batch.Events.Single().Event.Type);
        Assert.Equal(6_000_000, record.Account!.Balance);

        // Redelivered before the basket row was written: the entity remembers the attempt and charges nothing.
        var again = AccountBook.Pay(record, OrderConsumer.Request(basket, message), T0 + 2, out var none);
        Assert.False(again.Changed);
        Assert.Empty(none);
        Assert.Equal(first.Result, again.Result);
        Assert.Equal(6_000_000, record.Account.Balance);

        // Once the basket row holds the decision, the entity forgets it and the basket alone answers redeliveries.
        var step = OrderConsumer.After(again);
        Assert.Equal(OrderAction.Complete, step.Action);
        AccountBook.ConfirmPayment(record, step.Result!.ResultId);
        Assert.Empty(record.Payments);
        var replay = OrderConsumer.Before(step.Basket, message, T0 + 3);
        Assert.Equal((OrderAction.Complete, "b-1:1", OrderStatus.Paid), (replay.Action, replay.Result!.ResultId, replay.Result.Status));
    }

    [Fact]
    public void A_rejected_basket_may_be_ordered_again_and_each_attempt_has_its_own_result_id()
    {
        var record = Funded("u1", 1_000_000);
        var (basket, message) = Ordered("u1", 4_000_000);
        var rejected = OrderConsumer.After(AccountBook.Pay(record, OrderConsumer.Request(basket, message), T0 + 1, out _));
        Assert.Equal(OrderStatus.Rejected, rejected.Result!.Status);
        Assert.Equal(1_000_000, record.Account!.Balance);

        AccountBook.Write(record, new AccountWrite(WriteKind.Credit, "u1", "more", true, "credit:5000000", Amount: 5_000_000), T0 + 2, Retention);
        var (retried, second) = Ordered("u1", 4_000_000, rejected.Basket);
        var paid = OrderConsumer.After(AccountBook.Pay(record, OrderConsumer.Request(retried, second), T0 + 3, out _));
        Assert.Equal(OrderStatus.Paid, paid.Result!.Status);
        // Distinct ids: duplicate detection must not drop the later order.paid as a repeat of the earlier rejection.
        Assert.Equal(("b-1:1", "b-1:2"), (rejected.Result.ResultId, paid.Result.ResultId));
        Assert.Equal((second.MessageId, 2_000_000L), ("b-1:2", record.Account!.Balance));
    }

    [Fact]
    public void Messages_the_consumer_cannot_handle_are_retried_or_dead_lettered()
    {
        var (basket, message) = Ordered("u1", 4_000_000);
        Assert.Equal(OrderAction.Abandon, OrderConsumer.Before(null, message, T0).Action);
        Assert.Equal(OrderAction.DeadLetter, OrderConsumer.Before(basket, message with { AccountId = "someone-else" }, T0).Action);
        Assert.Equal(OrderAction.DeadLetter, OrderConsumer.Before(basket, message with { Attempt = 7 }, T0).Action);

        // No account to charge yet: the entity asks for a retry, and nothing is remembered.
        var empty = new AccountRecord();
        var decision = AccountBook.Pay(empty, OrderConsumer.Request(basket, message), T0, out var dispatches);
        Assert.Equal(OrderAction.Abandon, OrderConsumer.After(decision).Action);
        Assert.Empty(dispatches);
        Assert.Empty(empty.Payments);
    }

    [Fact]
    public void A_transfer_moves_both_sides_at_one_instant_and_replays_its_answer()
    {
        var from = Funded("a", 10_000_000);
        var to = Funded("b", 0);
        var request = new TransferWrite("t-1", "a", "b", 3_000_000);
        var plan = TransferPlan.Decide(from, to, request, T0 + 5);
        Assert.NotNull(plan.Leg);
        AccountBook.Transfer(from, plan.Leg!, "a", T0 + 5, Retention);
        AccountBook.Transfer(to, plan.Leg!, "b", T0 + 5, Retention);
        Assert.Equal((7_000_000L, 3_000_000L), (from.Account!.Balance, to.Account!.Balance));

        var replay = TransferPlan.Decide(from, to, request, T0 + 6);
        Assert.Null(replay.Leg);
        Assert.True(replay.Answer.Replayed);
        Assert.Equal(plan.Answer.Body, replay.Answer.Body);
        Assert.Equal(RejectionKind.IdempotencyConflict, TransferPlan.Decide(from, to, request with { Amount = 1 }, T0 + 7).Answer.Rejection?.Kind);
    }

    [Fact]
    public void A_transfer_id_replays_inside_the_retention_and_is_a_new_transfer_after_it()
    {
        var retention = IdempotencyRetention.FromHours(1);
        var hour = TimeSpan.TicksPerHour;
        var from = Funded("a", 10_000_000);
        var to = Funded("b", 0);
        var request = new TransferWrite("t-1", "a", "b", 3_000_000);
        var first = TransferPlan.Decide(from, to, request, T0);
        AccountBook.Transfer(from, first.Leg!, "a", T0, retention);
        AccountBook.Transfer(to, first.Leg!, "b", T0, retention);

        // What the entities' Read does before the orchestration plans: drop what the window no longer keeps.
        TransferPlan Plan(long now)
        {
            AccountBook.ForgetExpiredAnswers(from, now, retention);
            AccountBook.ForgetExpiredAnswers(to, now, retention);
            return TransferPlan.Decide(from, to, request, now);
        }

        var inside = Plan(T0 + hour - 1);
        Assert.True(inside.Answer.Replayed);
        Assert.Equal(first.Answer.Body, inside.Answer.Body);
        Assert.Null(inside.Leg);
        Assert.Equal((7_000_000L, 3_000_000L), (from.Account!.Balance, to.Account!.Balance));

        // An hour on, the id is forgotten on both sides: the same request is a new transfer and moves money again.
        var after = Plan(T0 + hour);
        Assert.False(after.Answer.Replayed);
        Assert.NotNull(after.Leg);
        Assert.False(AccountBook.Transfer(from, after.Leg!, "a", T0 + hour, retention).Answer.Replayed);
        Assert.False(AccountBook.Transfer(to, after.Leg!, "b", T0 + hour, retention).Answer.Replayed);
        Assert.Equal((4_000_000L, 6_000_000L), (from.Account!.Balance, to.Account!.Balance));
        Assert.True(Plan(T0 + hour + 1).Answer.Replayed); // and that answer is kept for a window of its own
    }

    [Fact]
    public void A_transfer_leg_forgets_an_expired_answer_by_itself()
    {
        // The leg of a retried transfer reaches an entity whose state still holds the expired answer (no other
        // operation ran in between): the leg applies, it does not replay.
        var retention = IdempotencyRetention.FromHours(1);
        var from = Funded("a", 10_000_000);
        var to = Funded("b", 0);
        var leg = TransferPlan.Decide(from, to, new TransferWrite("t-1", "a", "b", 1_000_000), T0).Leg!;
        AccountBook.Transfer(from, leg, "a", T0, retention);
        Assert.True(AccountBook.Transfer(from, leg, "a", T0 + TimeSpan.TicksPerHour - 1, retention).Answer.Replayed);
        var later = leg with { At = T0 + TimeSpan.TicksPerHour };
        Assert.False(AccountBook.Transfer(from, later, "a", T0 + TimeSpan.TicksPerHour, retention).Answer.Replayed);
        Assert.Equal(8_000_000L, from.Account!.Balance);
    }

    [Fact]
    public void A_transfer_that_cannot_happen_sends_no_leg()
    {
        var from = Funded("a", 1_000_000);
        Assert.Equal(RejectionKind.InsufficientFunds,
            TransferPlan.Decide(from, Funded("b", 0), new TransferWrite("t", "a", "b", 2_000_000), T0).Answer.Rejection?.Kind);
        Assert.Equal(RejectionKind.CurrencyMismatch,
            TransferPlan.Decide(from, Funded("e", 0, "EUR"), new TransferWrite("t", "a", "e", 1), T0).Answer.Rejection?.Kind);
        var missing = TransferPlan.Decide(from, new AccountRecord(), new TransferWrite("t", "a", "nobody", 1), T0);
        Assert.Equal((RejectionKind.NotFound, (TransferLeg?)null), (missing.Answer.Rejection?.Kind, missing.Leg));
        Assert.Equal(1_000_000, from.Account!.Balance);
    }
}
