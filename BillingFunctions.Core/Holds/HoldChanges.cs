using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Core.Holds;

/// <summary>Reads off an outcome which hold records changed and how they stand now; the host stores these.</summary>
public static class HoldChanges
{
    public static IEnumerable<Hold> Of(AccountState before, Outcome outcome)
    {
        foreach (var e in outcome.Events)
        {
            if (e.HoldId is null)
                continue;
            var status = e.Type switch
            {
                EventTypes.HoldPlaced => HoldStatus.Active,
                EventTypes.HoldCaptured => HoldStatus.Captured,
                EventTypes.HoldReleased => HoldStatus.Released,
                EventTypes.HoldExpired => HoldStatus.Expired,
                _ => (HoldStatus?)null,
            };
            if (status is null)
                continue;
            var hold = status == HoldStatus.Active ? outcome.State.Holds[e.HoldId] : before.Holds[e.HoldId];
            yield return hold with
            {
                Status = status.Value,
                Captured = status == HoldStatus.Captured ? new Money(e.Amount) : Money.Zero,
            };
        }
    }
}
