using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Core.Holds;

/// <summary>Reads off an outcome which hold records changed and how they stand now; the host stores these.</summary>
public static class HoldChanges
{
    /// <summary>
    /// One record per hold event, in order. A placed hold is all in its event; an ended one was active in
    /// <paramref name="before"/> (a decision never places and ends the same hold).
    /// </summary>
    public static IEnumerable<Hold> Of(AccountState before, Outcome outcome)
    {
        foreach (var e in outcome.Events)
        {
            switch (e)
            {
                case HoldPlaced placed:
                    yield return new Hold(placed.HoldId, new Money(placed.Amount), placed.At, placed.ExpiresAt);
                    break;
                case HoldCaptured captured:
                    yield return before.Holds[captured.HoldId] with { Status = HoldStatus.Captured, Captured = new Money(captured.Amount) };
                    break;
                case HoldReleased released:
                    yield return before.Holds[released.HoldId] with { Status = HoldStatus.Released, Captured = Money.Zero };
                    break;
                case HoldExpired expired:
                    yield return before.Holds[expired.HoldId] with { Status = HoldStatus.Expired, Captured = Money.Zero };
                    break;
            }
        }
    }
}
