using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Transfers;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void Transfer_debits_one_account_and_credits_the_other_at_the_same_instant()
    {
        var alice = Funded("10", "1", accountId: "alice");
        var bob = Funded("1", "0", accountId: "bob");

        var transfer = TransferDecider.Decide(alice, bob, "t-1", Amount("4"), At(2));

        Assert.Null(transfer.Rejection);
        var sent = Assert.IsType<TransferCompleted>(Assert.Single(transfer.From.Events));
        Assert.Equal(EventTypes.TransferCompleted, sent.Type);
        Assert.Equal("t-1", sent.OperationId);
        Assert.Equal("bob", sent.Counterparty);
        Assert.Equal(-Units("4"), sent.Delta);
        Assert.Equal(Units("8"), sent.BalanceBefore); // 2 s at 1/s settled first
        Assert.Equal(Units("4"), sent.BalanceAfter);
        var received = Assert.IsType<TransferCompleted>(Assert.Single(transfer.To.Events));
        Assert.Equal(EventTypes.TransferCompleted, received.Type);
        Assert.Equal("t-1", received.OperationId);
        Assert.Equal("alice", received.Counterparty);
        Assert.Equal(Units("4"), received.Delta);
        Assert.Equal(Units("5"), received.BalanceAfter);
        Assert.Equal(sent.At, received.At);
        Assert.Equal(At(6), transfer.From.Effects.OfType<ScheduleWake>().Single().At);
    }

    [Fact]
    public void Transfer_sides_share_one_instant_even_when_one_account_is_settled_later_than_now()
    {
        // Bob was last decided at 5 s (a late timer, or a host clock that stepped back); the transfer arrives saying 3 s.
        var alice = Funded("10", "1", accountId: "alice");
        var bob = Apply(Funded("1", "0", accountId: "bob"), new Credit("later", Amount("1")), At(5));

        var transfer = TransferDecider.Decide(alice, bob, "t-1", Amount("4"), At(3));

        Assert.Null(transfer.Rejection);
        var sent = Assert.Single(transfer.From.Events);
        var received = Assert.Single(transfer.To.Events);
        Assert.Equal(At(5), received.At);
        Assert.Equal(received.At, sent.At);
        Assert.Equal(Units("5"), sent.BalanceBefore); // alice is settled to 5 s as well: 10 - 5 s at 1/s
    }

    [Fact]
    public void Transfer_between_currencies_is_refused()
    {
        var alice = Funded("10", "0", accountId: "alice");
        var bob = Funded("10", "0", accountId: "bob", currency: "USD");

        var transfer = TransferDecider.Decide(alice, bob, "t-1", Amount("1"), At(1));

        AssertTransferRejected(transfer, alice, bob, RejectionKind.CurrencyMismatch);
    }

    [Fact]
    public void Transfer_to_the_same_account_is_refused()
    {
        var alice = Funded("10", "0", accountId: "alice");

        var transfer = TransferDecider.Decide(alice, alice, "t-1", Amount("1"), At(1));

        AssertTransferRejected(transfer, alice, alice, RejectionKind.Validation);
    }

    [Fact]
    public void Transfer_of_more_than_is_available_changes_neither_side()
    {
        var alice = Funded("10", "1", accountId: "alice");
        var bob = Funded("1", "0", accountId: "bob");

        var transfer = TransferDecider.Decide(alice, bob, "t-1", Amount("8.000001"), At(2));

        AssertTransferRejected(transfer, alice, bob, RejectionKind.InsufficientFunds);
    }

    [Fact]
    public void Transfer_the_receiver_cannot_hold_changes_neither_side()
    {
        var alice = Funded("10", "0", accountId: "alice");
        var bob = Apply(Opened(accountId: "bob"), new Credit("op-0", Money.Max), T0);

        var transfer = TransferDecider.Decide(alice, bob, "t-1", Amount("1"), At(1));

        AssertTransferRejected(transfer, alice, bob, RejectionKind.Validation);
    }

    [Fact]
    public void Transfer_of_everything_depletes_a_charging_sender_and_restores_a_depleted_receiver()
    {
        var alice = Funded("10", "1", accountId: "alice");
        var bob = Apply(Funded("1", "1", accountId: "bob"), new Wake(), At(1));
        Assert.Equal(AccountStatus.Depleted, bob.Status);

        var transfer = TransferDecider.Decide(alice, bob, "t-1", Amount("8"), At(2));

        Assert.Null(transfer.Rejection);
        Assert.Equal([EventTypes.TransferCompleted, EventTypes.AccountDepleted], transfer.From.Events.Select(e => e.Type));
        Assert.Equal(1, Assert.Single(transfer.From.Effects.OfType<CallCutoff>()).EventIndex);
        Assert.Equal([EventTypes.TransferCompleted, EventTypes.AccountRestored], transfer.To.Events.Select(e => e.Type));
        Assert.Empty(transfer.To.Effects.OfType<CallCutoff>());
        Assert.Equal(At(10), transfer.To.Effects.OfType<ScheduleWake>().Single().At);
    }

    private static void AssertTransferRejected(TransferOutcome transfer, AccountState from, AccountState to, RejectionKind kind)
    {
        Assert.Equal(kind, transfer.Rejection?.Kind);
        Assert.Same(from, transfer.From.State);
        Assert.Same(to, transfer.To.State);
        Assert.Empty(transfer.From.Events);
        Assert.Empty(transfer.To.Events);
        Assert.Empty(transfer.From.Effects);
        Assert.Empty(transfer.To.Effects);
        Assert.Equal(kind, transfer.From.Rejection?.Kind);
        Assert.Equal(kind, transfer.To.Rejection?.Kind);
    }
}
