using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    private List<Hold> HoldChangesOfResult => HoldChanges.Of(_given, Result).ToList();

    [Fact]
    public void HoldChanges_reports_a_placed_hold_as_active()
    {
        Given(Funded("10", "0"));

        When(new PlaceHold("op-1", "h1", Amount("4"), At(60)), At(1));

        var hold = Assert.Single(HoldChangesOfResult);
        Assert.Equal(new Hold("h1", Amount("4"), At(1), At(60), HoldStatus.Active, Money.Zero), hold);
    }

    [Fact]
    public void HoldChanges_reports_a_partial_capture_with_the_captured_amount()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), null), At(0)));

        When(new CaptureHold("op-1", "h1", Amount("1.5")), At(1));

        var hold = Assert.Single(HoldChangesOfResult);
        Assert.Equal(HoldStatus.Captured, hold.Status);
        Assert.Equal(Amount("4"), hold.Amount);
        Assert.Equal(Amount("1.5"), hold.Captured);
    }

    [Theory]
    [InlineData(false, HoldStatus.Released)]
    [InlineData(true, HoldStatus.Expired)]
    public void HoldChanges_reports_released_and_expired_holds(bool expire, HoldStatus status)
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(60)), At(0)));

        When(expire ? new Wake() : new ReleaseHold("op-1", "h1"), expire ? At(60) : At(59));

        var hold = Assert.Single(HoldChangesOfResult);
        Assert.Equal(status, hold.Status);
        Assert.Equal(Amount("4"), hold.Amount);
        Assert.Equal(Money.Zero, hold.Captured);
    }

    [Fact]
    public void HoldChanges_tells_an_expired_hold_from_a_new_one_with_the_same_id()
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h1", Amount("4"), At(60)), At(0)));

        When(new PlaceHold("op-1", "h1", Amount("2"), null), At(61));

        Then(EventTypes.HoldExpired, EventTypes.HoldPlaced);
        Assert.Equal(
            [(HoldStatus.Expired, Amount("4"), T0), (HoldStatus.Active, Amount("2"), At(61))],
            HoldChangesOfResult.Select(h => (h.Status, h.Amount, h.PlacedAt)));
    }

    [Fact]
    public void HoldChanges_is_empty_when_no_hold_moved()
    {
        Given(Funded("10", "0"));

        When(new Credit("op-1", Amount("1")), At(1));

        Assert.Empty(HoldChangesOfResult);
    }
}
