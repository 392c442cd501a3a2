using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void A_stale_wake_after_a_top_up_does_nothing()
    {
        Given(Funded("10", "1"));
        Given((new Credit("op-1", Amount("5")), At(5)));

        When(new Wake(), At(10)); // the timer scheduled for the old zero instant

        Then();
        Assert.Equal(AccountStatus.Active, State.Status);
        Assert.Equal(Amount("5"), State.Balance);
        Assert.Empty(Cutoffs);
        Assert.Equal(At(15), ScheduledWake);
    }

    [Fact]
    public void The_scheduled_wake_is_always_the_next_thing_to_happen()
    {
        // Hold expiry at +2 s, then (with 9 available at 1/s) the warning at +5 s and the zero at +10 s.
        Given(Funded("10", "1", lowBalanceWarningSeconds: 5));

        When(new PlaceHold("op-1", "h1", Amount("1"), At(2)), At(0));
        Assert.Equal(AccountDecider.NextWake(State), ScheduledWake);
        Assert.Equal(At(2), ScheduledWake);

        Given(State);
        When(new Wake(), At(2));
        Then(EventTypes.HoldExpired);
        Assert.Equal(AccountDecider.NextWake(State), ScheduledWake);
        Assert.Equal(At(5), ScheduledWake);

        Given(State);
        When(new Wake(), At(5));
        Then(EventTypes.LowBalance);
        Assert.Equal(AccountDecider.NextWake(State), ScheduledWake);
        Assert.Equal(At(10), ScheduledWake);
    }

    [Fact]
    public void A_clock_going_backwards_consumes_nothing()
    {
        Given(Funded("10", "1"));
        Given((new Wake(), At(5)));

        When(new Wake(), At(2));

        Then();
        Assert.Equal(Amount("5"), State.Balance);
        Assert.Equal(At(5), State.SettledAt);
        Assert.Equal(_given.Carry, State.Carry);
        Assert.Equal(_given.UnreportedConsumption, State.UnreportedConsumption);
        Assert.Equal(At(10), ScheduledWake);
    }

    [Fact]
    public void A_command_from_the_past_is_applied_at_the_settled_instant()
    {
        Given(Funded("10", "1"));
        Given((new Wake(), At(5)));

        When(new Credit("op-1", Amount("1")), At(2));

        Then(EventTypes.AccountCredited);
        var credited = Event(EventTypes.AccountCredited);
        Assert.Equal(At(5), credited.At);
        Assert.Equal(Units("5"), credited.BalanceBefore);
        Assert.Equal(Units("6"), credited.BalanceAfter);
        Assert.Equal(At(11), ScheduledWake);
    }

    [Fact]
    public void Reading_an_account_at_an_instant_changes_nothing()
    {
        var state = Funded("10", "1");

        var view = AccountView.At(state, At(4));

        Assert.Equal(Amount("6"), view.Balance);
        Assert.Equal(At(4), view.AsOf);
        Assert.Equal(At(10), view.DepletesAt);
        Assert.Equal(Amount("10"), state.Balance);
        Assert.Equal(T0, state.SettledAt);
    }
}
