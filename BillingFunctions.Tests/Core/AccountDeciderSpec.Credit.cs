using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void Credit_raises_the_balance_and_records_before_and_after()
    {
        Given(Opened());

        When(new Credit("op-1", Amount("12.5")), At(0));

        Then(EventTypes.AccountCredited);
        var credited = Event(EventTypes.AccountCredited);
        Assert.Equal("op-1", credited.OperationId);
        Assert.Equal("acc-1", credited.AccountId);
        Assert.Equal(T0, credited.At);
        Assert.Equal(Units("12.5"), credited.Amount);
        Assert.Equal(Units("12.5"), credited.Delta);
        Assert.Equal(0, credited.BalanceBefore);
        Assert.Equal(Units("12.5"), credited.BalanceAfter);
        Assert.Equal(0, credited.Consumed);
        Assert.Equal(Amount("12.5"), State.Balance);
        Assert.Equal(Amount("12.5"), State.Available);
        Assert.Null(ScheduledWake); // rate 0: nothing will ever happen by itself
    }

    [Fact]
    public void Credit_first_settles_consumption_up_to_its_instant()
    {
        Given(Funded("10", "1"));

        When(new Credit("op-1", Amount("5")), At(3));

        Then(EventTypes.AccountCredited);
        var credited = Event(EventTypes.AccountCredited);
        Assert.Equal(At(3), credited.At);
        Assert.Equal(Units("3"), credited.Consumed);
        Assert.Equal(Units("7"), credited.BalanceBefore);
        Assert.Equal(Units("12"), credited.BalanceAfter);
        Assert.Equal(At(3), State.SettledAt);
        Assert.Equal(At(15), AccountDecider.DepletesAt(State));
        Assert.Equal(At(15), ScheduledWake);
    }

    [Fact]
    public void Credit_beyond_the_maximum_balance_is_refused()
    {
        Given(Opened());
        Given((new Credit("op-0", Money.Max), At(0)));

        When(new Credit("op-1", Amount("0.000001")), At(1));

        ThenRejected(RejectionKind.Validation);
    }

    [Fact]
    public void Credit_to_a_depleted_account_restores_it_and_consumption_resumes_from_then()
    {
        Given(Funded("10", "1"));
        Given((new Wake(), At(10)));
        Assert.Equal(AccountStatus.Depleted, _given.Status);

        When(new Credit("op-1", Amount("5")), At(20));

        Then(EventTypes.AccountCredited, EventTypes.AccountRestored);
        Assert.Equal(0, Event(EventTypes.AccountCredited).Consumed); // nothing consumed while depleted
        var restored = Event(EventTypes.AccountRestored);
        Assert.Equal(At(20), restored.At);
        Assert.Equal(Units("5"), restored.BalanceAfter);
        Assert.Equal(1, restored.Episode);
        Assert.Equal(AccountStatus.Active, State.Status);
        Assert.Equal(At(25), ScheduledWake);
        Assert.Empty(Cutoffs);
    }
}
