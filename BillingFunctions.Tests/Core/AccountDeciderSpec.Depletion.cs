using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void An_account_depletes_at_the_exact_instant_its_funds_run_out()
    {
        Given(Funded("10", "1"));

        When(new Wake(), At(10));

        Then(EventTypes.AccountDepleted);
        var depleted = Event(EventTypes.AccountDepleted);
        Assert.Equal(At(10), depleted.At);
        Assert.Equal(Units("10"), depleted.Consumed);
        Assert.Equal(Units("10"), depleted.BalanceBefore + depleted.Consumed);
        Assert.Equal(0, depleted.BalanceAfter);
        Assert.Equal(1, depleted.Episode);
        ThenCutoffFor(depleted);
        Assert.Equal(AccountStatus.Depleted, State.Status);
        Assert.Equal(Money.Zero, State.Balance);
        Assert.Null(ScheduledWake);
    }

    [Fact]
    public void One_tick_before_the_instant_nothing_happens_yet()
    {
        Given(Funded("10", "1"));

        When(new Wake(), At(10) - 1);

        Then();
        Assert.Equal(AccountStatus.Active, State.Status);
        Assert.Equal(Amount("0.000001"), State.Balance);
        Assert.Empty(Cutoffs);
        Assert.Equal(At(10), ScheduledWake);
    }

    [Fact]
    public void A_late_wake_records_the_depletion_at_the_true_instant()
    {
        Given(Funded("10", "1"));

        When(new Wake(), At(3600));

        Then(EventTypes.AccountDepleted);
        Assert.Equal(At(10), Event(EventTypes.AccountDepleted).At);
        Assert.Equal(At(3600), State.SettledAt);
        Assert.Equal(Money.Zero, State.Balance);
        Assert.Single(Cutoffs);
    }

    [Fact]
    public void Without_its_own_cutoff_url_the_cutoff_is_still_called_at_the_host_default()
    {
        Given(Opened(cutoffUrl: null));
        Given((new Credit("op-0", Amount("10")), At(0)), (new SetRate("op-r", PerSecond("1")), At(0)));

        When(new Wake(), At(10));

        Then(EventTypes.AccountDepleted);
        var cutoff = Assert.Single(Cutoffs);
        Assert.Null(cutoff.Url);
        Assert.Equal(0, cutoff.EventIndex);
    }

    [Fact]
    public void A_depleted_account_stays_silent_on_later_wakes()
    {
        Given(Funded("10", "1"));
        Given((new Wake(), At(10)));

        When(new Wake(), At(1000));

        Then();
        Assert.Empty(Cutoffs);
        Assert.Equal(1, State.Episode);
        Assert.Equal(Money.Zero, State.Balance);
    }

    [Fact]
    public void After_a_restore_the_next_depletion_is_a_new_episode_with_its_own_cutoff()
    {
        Given(Funded("10", "1"));
        Given((new Wake(), At(10)), (new Credit("op-1", Amount("5")), At(20)));

        When(new Wake(), At(25));

        Then(EventTypes.AccountDepleted);
        var depleted = Event(EventTypes.AccountDepleted);
        Assert.Equal(At(25), depleted.At);
        Assert.Equal(2, depleted.Episode);
        Assert.Equal(2, State.Episode);
        ThenCutoffFor(depleted);
    }

    [Fact]
    public void The_low_balance_warning_fires_the_configured_seconds_before_depletion()
    {
        Given(Funded("10", "1", lowBalanceWarningSeconds: 5));

        When(new Wake(), At(5));

        Then(EventTypes.LowBalance);
        var warning = Event(EventTypes.LowBalance);
        Assert.Equal(At(5), warning.At);
        Assert.Equal(Units("5"), warning.BalanceAfter);
        Assert.Empty(Cutoffs);
        Assert.Equal(At(10), ScheduledWake);
    }

    [Fact]
    public void The_first_wake_after_funding_is_the_warning()
    {
        Given(Opened(lowBalanceWarningSeconds: 5));

        When(new Credit("op-1", Amount("10")), At(0));
        Given(State);
        When(new SetRate("op-2", PerSecond("1")), At(0));

        Assert.Equal(At(5), ScheduledWake);
    }

    [Fact]
    public void A_single_late_wake_gives_warning_then_depletion_in_order()
    {
        Given(Funded("10", "1", lowBalanceWarningSeconds: 5));

        When(new Wake(), At(20));

        Then(EventTypes.LowBalance, EventTypes.AccountDepleted);
        Assert.Equal([At(5), At(10)], Result.Events.Select(e => e.At));
    }

    [Fact]
    public void The_warning_is_given_once_per_episode()
    {
        Given(Funded("10", "1", lowBalanceWarningSeconds: 5));
        Given((new Wake(), At(5)), (new Credit("op-1", Amount("1")), At(6)));

        When(new Wake(), At(11));

        Then(EventTypes.AccountDepleted);
    }

    [Fact]
    public void A_big_credit_re_arms_the_warning()
    {
        Given(Funded("10", "1", lowBalanceWarningSeconds: 5));
        Given((new Wake(), At(5)), (new Credit("op-1", Amount("100")), At(6)));

        When(new Wake(), At(105));

        Then(EventTypes.LowBalance);
        Assert.Equal(At(105), Event(EventTypes.LowBalance).At);
    }

    [Fact]
    public void A_depletion_ends_the_warning_whether_it_comes_before_or_after_the_command()
    {
        // Before: the wake finds the account already dry. After: a debit to exactly zero depletes it at once.
        Given(Funded("10", "1", lowBalanceWarningSeconds: 5));
        Given((new Wake(), At(5)));
        Assert.True(_given.LowBalanceWarned);

        When(new Wake(), At(10));
        Then(EventTypes.AccountDepleted);
        Assert.False(State.LowBalanceWarned);

        When(new Debit("op-1", Amount("4")), At(6));
        Then(EventTypes.AccountDebited, EventTypes.AccountDepleted);
        Assert.False(State.LowBalanceWarned);
    }

    [Fact]
    public void A_restore_re_arms_the_warning_for_the_next_episode()
    {
        Given(Funded("10", "1", lowBalanceWarningSeconds: 5));
        Given((new Wake(), At(10)), (new Credit("op-1", Amount("10")), At(20)));

        When(new Wake(), At(40));

        Then(EventTypes.LowBalance, EventTypes.AccountDepleted);
        Assert.Equal([At(25), At(30)], Result.Events.Select(e => e.At));
        // Episode counts depletions so far: the warning belongs to the approach to the second one.
        Assert.Equal([1, 2], Result.Events.Select(e => e.Episode));
    }

    [Fact]
    public void The_warnings_do_not_depend_on_when_the_wakes_happen()
    {
        // 20 with 10 held until +8 s, charging 1/s: zero at +10 s, warning at +5 s. At +8 s the hold expires
        // and the zero moves to +20 s. Whether the host wakes at +8 s (as NextWake asks) or only at +30 s,
        // the ledger must be the same.
        var start = Funded("20", "1", lowBalanceWarningSeconds: 5);
        start = Apply(start, new PlaceHold("op-h", "h1", Amount("10"), At(8)), At(0));

        var once = AccountDecider.Decide(start, new Wake(), At(30));
        var first = AccountDecider.Decide(start, new Wake(), At(8));
        var second = AccountDecider.Decide(first.State, new Wake(), At(30));

        Assert.Equal(
            once.Events.Select(e => (e.Type, e.At)),
            first.Events.Concat(second.Events).Select(e => (e.Type, e.At)));
        Assert.Equal(once.State.LowBalanceWarned, second.State.LowBalanceWarned);
    }
}
