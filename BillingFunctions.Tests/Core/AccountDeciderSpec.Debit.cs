using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void Debit_lowers_the_balance_and_records_before_and_after()
    {
        Given(Funded("10", "0"));

        When(new Debit("op-1", Amount("2.25")), At(5));

        Then(EventTypes.AccountDebited);
        var debited = Event(EventTypes.AccountDebited);
        Assert.Equal("op-1", debited.OperationId);
        Assert.Equal(Units("2.25"), debited.Amount);
        Assert.Equal(-Units("2.25"), debited.Delta);
        Assert.Equal(Units("10"), debited.BalanceBefore);
        Assert.Equal(Units("7.75"), debited.BalanceAfter);
        Assert.Equal(Amount("7.75"), State.Balance);
        Assert.Empty(Cutoffs);
    }

    [Fact]
    public void Debit_of_more_than_is_available_is_refused_and_changes_nothing()
    {
        Given(Funded("10", "0"));

        When(new Debit("op-1", Amount("10.000001")), At(5));

        ThenRejected(RejectionKind.InsufficientFunds);
    }

    [Fact]
    public void Debit_counts_what_was_consumed_before_it()
    {
        Given(Funded("10", "1"));

        When(new Debit("op-1", Amount("7.000001")), At(3));

        ThenRejected(RejectionKind.InsufficientFunds);
    }

    [Fact]
    public void Debit_cannot_take_held_funds()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-h", "h1", Amount("4"), null), At(0)));

        When(new Debit("op-1", Amount("6.000001")), At(1));

        ThenRejected(RejectionKind.InsufficientFunds);
    }

    [Fact]
    public void Debit_of_exactly_the_available_funds_is_accepted()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-h", "h1", Amount("4"), null), At(0)));

        When(new Debit("op-1", Amount("6")), At(1));

        Then(EventTypes.AccountDebited);
        Assert.Equal(Amount("4"), State.Balance);
        Assert.Equal(Money.Zero, State.Available);
    }

    [Fact]
    public void Debit_to_exactly_zero_while_charging_depletes_at_once_and_calls_the_cutoff()
    {
        Given(Funded("10", "1"));

        When(new Debit("op-1", Amount("7")), At(3));

        Then(EventTypes.AccountDebited, EventTypes.AccountDepleted);
        var depleted = Event(EventTypes.AccountDepleted);
        Assert.Equal(At(3), depleted.At);
        Assert.Equal(0, depleted.BalanceAfter);
        Assert.Equal(1, depleted.Episode);
        Assert.Null(depleted.OperationId);
        ThenCutoffFor(depleted);
        Assert.Equal(AccountStatus.Depleted, State.Status);
        Assert.Equal(1, State.Episode);
        Assert.Null(AccountDecider.DepletesAt(State));
        Assert.Null(ScheduledWake);
    }

    [Fact]
    public void Debit_to_zero_without_a_rate_leaves_the_account_active_until_a_rate_is_set()
    {
        // depletesAt is null at rate 0: nothing is running, so there is nothing to cut off yet.
        Given(Funded("10", "0"));

        When(new Debit("op-1", Amount("10")), At(3));

        Then(EventTypes.AccountDebited);
        Assert.Equal(AccountStatus.Active, State.Status);
        Assert.Empty(Cutoffs);
        Assert.Null(ScheduledWake);
    }
}
