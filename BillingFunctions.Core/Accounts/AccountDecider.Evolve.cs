using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Holds;

namespace BillingFunctions.Core.Accounts;

public static partial class AccountDecider
{
    /// <summary>
    /// Applies one event to the state it happened to. Two things change an account: its events, and time. Time acts
    /// first: consumption at the account's rate up to the event's instant (<see cref="SettledTo"/>, the same function the
    /// decider settles with), which moves <c>Carry</c> and <c>SettledAt</c>. Then the event, from its own fields: the
    /// balance is its <c>BalanceAfter</c> and the episode its <c>Episode</c>; the consumption it reports is no longer
    /// unreported; the version grows by one; the rate, the holds and the status change as its type says; and the
    /// low-balance warning is set by <c>account.low_balance</c>, cleared by <c>account.depleted</c> and
    /// <c>account.restored</c>, and after any other event re-armed by the decider's rule if the account is comfortably
    /// funded again. Settings (currency, cut-off URL, warning seconds) are not in events: <c>account.created</c> applies
    /// to <see cref="AccountState.Open"/> with them.
    /// <para>
    /// So a decision's events determine its whole new state but the time after its last event: for an accepted
    /// decision at <c>now</c>, <c>SettledTo(events folded with Evolve over the state before, max(now, SettledAt before))</c>
    /// is exactly the state <see cref="Decide"/> returned.
    /// </para>
    /// </summary>
    public static AccountState Evolve(AccountState state, AccountEvent e)
    {
        var settled = SettledTo(state, e.At);
        var recorded = settled with
        {
            Balance = new Money(e.BalanceAfter),
            Episode = e.Episode,
            UnreportedConsumption = Money.Zero,
            Version = settled.Version + 1,
        };
        return e switch
        {
            RateChanged r => WarningRearmedIfClear(recorded with { Rate = new Rate(r.RatePerSecond) }),
            HoldPlaced p => WarningRearmedIfClear(recorded with
            {
                Holds = recorded.Holds.Add(p.HoldId, new Hold(p.HoldId, new Money(p.Amount), p.At, p.ExpiresAt)),
            }),
            HoldEvent ended => WarningRearmedIfClear(recorded with { Holds = recorded.Holds.Remove(ended.HoldId) }),
            // Consumption stops at zero: the fraction of a micro-unit that was running is dropped.
            AccountDepleted => recorded with { Status = AccountStatus.Depleted, Carry = 0, LowBalanceWarned = false },
            AccountRestored => recorded with { Status = AccountStatus.Active, LowBalanceWarned = false },
            LowBalanceWarning => recorded with { LowBalanceWarned = true },
            AccountCreated or AccountCredited or AccountDebited or TransferCompleted or OrderPaid or OrderRejected =>
                WarningRearmedIfClear(recorded),
            _ => throw new ArgumentOutOfRangeException(nameof(e), e, "Unknown event type."),
        };
    }

    /// <summary>
    /// The account brought forward to <paramref name="to"/> by time alone: an active account consumes at its rate (whole
    /// micro-units off the balance and into the unreported consumption, the remainder kept as carry), never more than
    /// is available; a depleted one consumes nothing.
    /// </summary>
    public static AccountState SettledTo(AccountState state, long to)
    {
        if (state.Status == AccountStatus.Active)
        {
            var (units, carry) = Consumption.Over(state.Rate, state.Carry, to - state.SettledAt);
            var consumed = new Money(Math.Min(units, state.Available.Units));
            state = state with
            {
                Balance = state.Balance - consumed,
                Carry = carry,
                UnreportedConsumption = state.UnreportedConsumption + consumed,
            };
        }
        return state with { SettledAt = to };
    }

    /// <summary>A warning belongs to one approach to zero: once comfortably funded again, the account may warn again.</summary>
    private static AccountState WarningRearmedIfClear(AccountState state) =>
        state.LowBalanceWarned && state.LowBalanceWarningSeconds is { } seconds
            && (DepletesAt(state) is not { } zero || zero - state.SettledAt > seconds * Consumption.TicksPerSecond)
            ? state with { LowBalanceWarned = false }
            : state;
}
