using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void PlaceHold_reserves_funds_without_touching_the_balance()
    {
        Given(Funded("10", "0"));

        When(new PlaceHold("op-1", "h1", Amount("4"), At(60)), At(1));

        Then(EventTypes.HoldPlaced);
        var placed = Event<HoldPlaced>();
        Assert.Equal("h1", placed.HoldId);
        Assert.Equal(At(60), placed.ExpiresAt);
        Assert.Equal("op-1", placed.OperationId);
        Assert.Equal(Units("4"), placed.Amount);
        Assert.Equal(0, placed.Delta);
        Assert.Equal(Units("10"), placed.BalanceAfter);
        Assert.Equal(Units("4"), placed.HeldAfter);
        Assert.Equal(Amount("10"), State.Balance);
        Assert.Equal(Amount("4"), State.Held);
        Assert.Equal(Amount("6"), State.Available);
        Assert.Equal(At(60), ScheduledWake);
    }

    [Fact]
    public void PlaceHold_of_more_than_is_available_is_refused()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h0", Amount("4"), null), At(0)));

        When(new PlaceHold("op-1", "h1", Amount("6.000001"), null), At(1));

        ThenRejected(RejectionKind.InsufficientFunds);
    }

    [Fact]
    public void PlaceHold_with_an_id_that_is_already_active_is_refused()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("1"), null), At(0)));

        When(new PlaceHold("op-1", "h1", Amount("1"), null), At(1));

        ThenRejected(RejectionKind.HoldState);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void PlaceHold_that_would_expire_at_once_is_refused(long ticksFromNow)
    {
        Given(Funded("10", "0"));

        When(new PlaceHold("op-1", "h1", Amount("1"), At(5) + ticksFromNow), At(5));

        ThenRejected(RejectionKind.Validation);
    }

    [Fact]
    public void CaptureHold_in_full_takes_the_held_amount()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(60)), At(0)));

        When(new CaptureHold("op-1", "h1", null), At(1));

        Then(EventTypes.HoldCaptured);
        var captured = Event<HoldCaptured>();
        Assert.Equal("h1", captured.HoldId);
        Assert.Equal(Units("4"), captured.Amount);
        Assert.Equal(-Units("4"), captured.Delta);
        Assert.Equal(Units("10"), captured.BalanceBefore);
        Assert.Equal(Units("6"), captured.BalanceAfter);
        Assert.Equal(0, captured.HeldAfter);
        Assert.Empty(State.Holds);
        Assert.Equal(Amount("6"), State.Available);
        Assert.Null(ScheduledWake); // the expiry timer is no longer needed
    }

    [Fact]
    public void CaptureHold_of_part_takes_that_part_and_releases_the_rest()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), null), At(0)));

        When(new CaptureHold("op-1", "h1", Amount("1.5")), At(1));

        Then(EventTypes.HoldCaptured);
        var captured = Event(EventTypes.HoldCaptured);
        Assert.Equal(Units("1.5"), captured.Amount);
        Assert.Equal(Units("8.5"), captured.BalanceAfter);
        Assert.Equal(0, captured.HeldAfter);
        Assert.Equal(Amount("8.5"), State.Balance);
        Assert.Equal(Amount("8.5"), State.Available);
        Assert.Empty(State.Holds);
    }

    [Fact]
    public void CaptureHold_of_more_than_the_hold_is_refused()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), null), At(0)));

        When(new CaptureHold("op-1", "h1", Amount("4.000001")), At(1));

        ThenRejected(RejectionKind.Validation);
    }

    [Fact]
    public void CaptureHold_of_an_unknown_hold_is_not_found()
    {
        Given(Funded("10", "0"));

        When(new CaptureHold("op-1", "nope", null), At(1));

        ThenRejected(RejectionKind.NotFound);
    }

    [Theory]
    [InlineData("captured")]
    [InlineData("released")]
    [InlineData("expired")]
    public void A_hold_that_is_no_longer_active_cannot_be_captured_or_released(string how)
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(60)), At(0)));
        Given(how switch
        {
            "captured" => (new CaptureHold("op-c", "h1", Amount("1")), At(1)),
            "released" => (new ReleaseHold("op-r", "h1"), At(1)),
            _ => (new Wake(), At(60)),
        });

        When(new CaptureHold("op-1", "h1", null), At(61));
        ThenRejected(RejectionKind.NotFound);

        When(new ReleaseHold("op-2", "h1"), At(61));
        ThenRejected(RejectionKind.NotFound);
    }

    [Fact]
    public void ReleaseHold_returns_the_funds_to_available()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(60)), At(0)));

        When(new ReleaseHold("op-1", "h1"), At(1));

        Then(EventTypes.HoldReleased);
        var released = Event<HoldReleased>();
        Assert.Equal("h1", released.HoldId);
        Assert.Equal(Units("4"), released.Amount);
        Assert.Equal(0, released.Delta);
        Assert.Equal(0, released.HeldAfter);
        Assert.Equal(Amount("10"), State.Balance);
        Assert.Equal(Amount("10"), State.Available);
        Assert.Null(ScheduledWake);
    }

    [Fact]
    public void A_hold_expires_at_its_ExpiresAt_and_not_a_tick_before()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(60)), At(0)));

        When(new Wake(), At(60) - 1);
        Then();
        Assert.Equal(Amount("4"), State.Held);
        Assert.Equal(At(60), ScheduledWake);

        When(new Wake(), At(60));
        Then(EventTypes.HoldExpired);
        var expired = Event<HoldExpired>();
        Assert.Equal(At(60), expired.At);
        Assert.Equal("h1", expired.HoldId);
        Assert.Equal("hold:h1:expiry", expired.OperationId);
        Assert.Equal(Units("4"), expired.Amount);
        Assert.Equal(0, expired.HeldAfter);
        Assert.Equal(Amount("10"), State.Available);
    }

    [Fact]
    public void Held_funds_are_not_consumed()
    {
        Given(Funded("10", "1"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), null), At(0)));

        When(new Wake(), At(50));

        Then(EventTypes.AccountDepleted);
        Assert.Equal(At(6), Event(EventTypes.AccountDepleted).At);
        Assert.Equal(Amount("4"), State.Balance);
        Assert.Equal(Amount("4"), State.Held);
        Assert.Equal(Money.Zero, State.Available);
    }

    [Fact]
    public void A_hold_expiring_while_depleted_restores_the_account()
    {
        Given(Funded("10", "1"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(100)), At(0)), (new Wake(), At(6)));
        Assert.Equal(AccountStatus.Depleted, _given.Status);

        When(new Wake(), At(100));

        Then(EventTypes.HoldExpired, EventTypes.AccountRestored);
        Assert.Equal(At(100), Event(EventTypes.AccountRestored).At);
        Assert.Equal(AccountStatus.Active, State.Status);
        Assert.Equal(Amount("4"), State.Available);
        Assert.Equal(At(104), ScheduledWake);
    }

    [Fact]
    public void A_late_wake_replays_depletion_expiry_and_the_next_depletion_at_their_own_instants()
    {
        Given(Funded("10", "1"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(100)), At(0)));

        When(new Wake(), At(500));

        Then(EventTypes.AccountDepleted, EventTypes.HoldExpired, EventTypes.AccountRestored, EventTypes.AccountDepleted);
        Assert.Equal([At(6), At(100), At(100), At(104)], Result.Events.Select(e => e.At));
        Assert.Equal([1, 1, 1, 2], Result.Events.Select(e => e.Episode));
        Assert.Equal([0, 3], Cutoffs.Select(c => c.EventIndex)); // one cut-off per episode
    }

    [Theory]
    [InlineData("release", true)]
    [InlineData("capture part", true)]
    [InlineData("capture all", false)]
    public void Resolving_a_hold_on_a_depleted_account_restores_it_when_funds_come_free(string how, bool restores)
    {
        Given(Funded("10", "1"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), null), At(0)), (new Wake(), At(6)));

        When(how switch
        {
            "release" => new ReleaseHold("op-1", "h1"),
            "capture part" => new CaptureHold("op-1", "h1", Amount("1")),
            _ => new CaptureHold("op-1", "h1", null),
        }, At(10));

        Assert.True(Result.Accepted);
        Assert.Equal(restores, Result.Events.Any(e => e.Type == EventTypes.AccountRestored));
        Assert.Equal(restores ? AccountStatus.Active : AccountStatus.Depleted, State.Status);
        Assert.Empty(Cutoffs);
    }

    [Fact]
    public void A_hold_expiring_at_the_very_instant_funds_run_out_frees_them_before_any_cutoff()
    {
        // 10 with 4 held until +6 s, charging 1/s: the 6 available run out at +6 s, the instant the hold gives
        // its 4 back. After everything that happens at +6 s the account has 4 available: no cut-off is due.
        Given(Funded("10", "1"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(6)), At(0)));

        When(new Wake(), At(6));

        Then(EventTypes.HoldExpired);
        Assert.Empty(Cutoffs);
        Assert.Equal(AccountStatus.Active, State.Status);
        Assert.Equal(0, State.Episode);
        Assert.Equal(At(10), ScheduledWake);
    }
}
