using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void SetRate_records_the_rate_and_schedules_a_wake_at_the_zero_instant()
    {
        Given(Funded("10", "0"));

        When(new SetRate("op-1", PerSecond("2")), At(0));

        Then(EventTypes.RateChanged);
        var changed = Event<RateChanged>();
        Assert.Equal("op-1", changed.OperationId);
        Assert.Equal(PerSecond("2").PicoPerSecond, changed.RatePerSecond);
        Assert.Equal(Units("10"), changed.BalanceBefore);
        Assert.Equal(Units("10"), changed.BalanceAfter);
        Assert.Equal(At(5), AccountDecider.DepletesAt(State));
        Assert.Equal(At(5), ScheduledWake);
    }

    [Fact]
    public void SetRate_settles_at_the_old_rate_before_switching()
    {
        Given(Funded("10", "1"));

        When(new SetRate("op-1", PerSecond("2")), At(4));

        Then(EventTypes.RateChanged);
        Assert.Equal(Units("4"), Event(EventTypes.RateChanged).Consumed);
        Assert.Equal(Amount("6"), State.Balance);
        Assert.Equal(At(7), ScheduledWake);
    }

    [Fact]
    public void SetRate_to_the_same_rate_changes_nothing_but_still_reports_the_next_wake()
    {
        Given(Funded("10", "1"));

        When(new SetRate("op-1", PerSecond("1")), At(4));

        Then();
        Assert.Equal(Amount("6"), State.Balance);
        Assert.Equal(At(10), ScheduledWake);
    }

    [Fact]
    public void SetRate_on_an_empty_account_depletes_it_at_once()
    {
        Given(Opened());

        When(new SetRate("op-1", PerSecond("0.001")), At(2));

        Then(EventTypes.RateChanged, EventTypes.AccountDepleted);
        var depleted = Event(EventTypes.AccountDepleted);
        Assert.Equal(At(2), depleted.At);
        ThenCutoffFor(depleted);
        Assert.Equal(AccountStatus.Depleted, State.Status);
    }

    [Fact]
    public void SetRate_to_zero_stops_consumption_for_good()
    {
        Given(Funded("10", "1"));

        When(new SetRate("op-1", Rate.Zero), At(4));

        Then(EventTypes.RateChanged);
        Assert.Null(ScheduledWake);
        Assert.Null(AccountDecider.DepletesAt(State));
        var muchLater = AccountView.At(State, At(10_000_000));
        Assert.Equal(Amount("6"), muchLater.Balance);
        Assert.Equal(AccountStatus.Active, muchLater.Status);
    }

    [Fact]
    public void A_fractional_rate_depletes_at_the_exact_tick_it_rounds_to()
    {
        // 0.05 an hour is 0.000013888889 a second (rounded up), so 0.05 lasts a little under an hour:
        // 5e17 fine units / 13,888,889 pico per second = 35,999,999,712.000002 ticks, so the zero is the next tick.
        Given(Funded("0.05", "0.000013888889"));
        var zero = T0 + 35_999_999_713;

        When(new Wake(), zero - 1);
        Then();
        Assert.Equal(Amount("0.000001"), State.Balance);
        Assert.Equal(zero, ScheduledWake);

        Given(State);
        When(new Wake(), zero);
        Then(EventTypes.AccountDepleted);
        Assert.Equal(zero, Event(EventTypes.AccountDepleted).At);
        Assert.Equal(Money.Zero, State.Balance);
    }
}
