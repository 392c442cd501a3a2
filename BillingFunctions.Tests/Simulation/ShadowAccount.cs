using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Simulation;

/// <summary>
/// What the simulation knows about one account from the outside: the money that went in and out, the holds it
/// placed, the operation ids it saw, and consumption re-derived from the rate and the instants in the events.
/// Checked against the decider's state after every step.
/// </summary>
internal sealed class ShadowAccount(string accountId, string currency, long openedAt)
{
    public string AccountId { get; } = accountId;
    public string Currency { get; } = currency;
    public long In { get; private set; }
    public long Out { get; private set; }
    public long Consumed { get; private set; }
    public int Depletions { get; private set; }
    public int CutoffCalls { get; set; }
    public long LastEventAt { get; private set; } = openedAt;
    public long LastBalance { get; private set; }
    public bool Active { get; private set; } = true;
    public Dictionary<string, (long Amount, long? ExpiresAt)> Holds { get; } = new(StringComparer.Ordinal);
    public HashSet<string> ResolvedHolds { get; } = new(StringComparer.Ordinal);
    public HashSet<string> OperationIds { get; } = new(StringComparer.Ordinal);

    // Consumption in the current active stretch (since opening or the last restore), in fine units (10^-19):
    // rate x ticks summed independently of the decider, so exactness is checked, not assumed.
    public long Rate { get; private set; }
    public Int128 Fine { get; private set; }
    public long StretchConsumed { get; private set; }
    private long _stretchAt = openedAt;

    public long HeldUnits => Holds.Values.Sum(h => h.Amount);

    /// <summary>Folds one event of an accepted outcome in; <paramref name="fail"/> reports any broken rule.</summary>
    public void Apply(AccountEvent e, long decidedAt, Action<string> fail)
    {
        if (e.At < LastEventAt)
            fail($"event {e.Type} at {e.At} is before the previous event at {LastEventAt}: time ran backwards");
        if (e.At > decidedAt)
            fail($"event {e.Type} at {e.At} is after the decision instant {decidedAt}: something happened early");
        if (e.BalanceBefore != LastBalance - e.Consumed)
            fail($"{e.Type}: balanceBefore {e.BalanceBefore} != previous balanceAfter {LastBalance} - consumed {e.Consumed}");
        if (e.BalanceAfter != e.BalanceBefore + e.Delta)
            fail($"{e.Type}: balanceAfter {e.BalanceAfter} != balanceBefore {e.BalanceBefore} + delta {e.Delta}");
        if (e.Consumed < 0 || (!Active && e.Consumed != 0))
            fail($"{e.Type}: consumed {e.Consumed} while {(Active ? "active" : "depleted")}");
        if (e.OperationId is { } op && !OperationIds.Add(op))
            fail($"operation id '{op}' applied a second time ({e.Type})");

        if (Active)
            Fine += (Int128)Rate * (e.At - _stretchAt);
        _stretchAt = e.At;
        StretchConsumed += e.Consumed;
        Consumed += e.Consumed;
        LastEventAt = e.At;
        LastBalance = e.BalanceAfter;
        if (Active && e is not AccountDepleted && StretchConsumed != Fine / Consumption.FinePerUnit)
            fail($"{e.Type}: consumed {StretchConsumed} in this stretch, but rate x time gives {Fine / Consumption.FinePerUnit} (drift)");

        switch (e)
        {
            case AccountCredited:
                In += e.Amount;
                Expect(e.Delta == e.Amount, "a credit's delta is its amount", fail);
                break;
            case AccountDebited:
                Out += e.Amount;
                Expect(e.Delta == -e.Amount, "a debit's delta is minus its amount", fail);
                break;
            case TransferCompleted t:
                if (e.Delta > 0) In += e.Amount; else Out += e.Amount;
                Expect(Math.Abs(e.Delta) == e.Amount && t.Counterparty != AccountId, "a transfer side moves its amount to another account", fail);
                break;
            case RateChanged r:
                Rate = r.RatePerSecond;
                break;
            case HoldPlaced p:
                Expect(!Holds.ContainsKey(p.HoldId) && !ResolvedHolds.Contains(p.HoldId), $"hold '{p.HoldId}' is placed once", fail);
                Holds[p.HoldId] = (e.Amount, p.ExpiresAt);
                break;
            case HoldEvent ended:
                Resolve(ended, fail);
                break;
            case AccountDepleted:
                Deplete(e, fail);
                break;
            case AccountRestored:
                Expect(!Active, "only a depleted account is restored", fail);
                Expect(e.BalanceAfter - e.HeldAfter > 0, "a restored account has available funds", fail);
                Active = true;
                Fine = 0;
                StretchConsumed = 0;
                break;
        }
        if (e.HeldAfter != HeldUnits)
            fail($"{e.Type}: heldAfter {e.HeldAfter} but the holds placed and not resolved sum to {HeldUnits}");
    }

    /// <summary>The hold.placed event keeps the expiry the command asked for.</summary>
    public void ExpectExpiry(string holdId, long? expiresAt, Action<string> fail)
    {
        if (Holds.TryGetValue(holdId, out var hold) && hold.ExpiresAt != expiresAt)
            fail($"hold '{holdId}' was placed to expire at {expiresAt}, but its hold.placed event says {hold.ExpiresAt}");
    }

    /// <summary>Consumption that the state has settled but no event reported yet, and the fine units behind the whole stretch.</summary>
    public Int128 FineAt(long settledAt) => Active ? Fine + (Int128)Rate * (settledAt - _stretchAt) : 0;

    private void Resolve(HoldEvent e, Action<string> fail)
    {
        if (!Holds.Remove(e.HoldId, out var hold))
        {
            fail($"{e.Type}: hold '{e.HoldId}' is not active ({(ResolvedHolds.Contains(e.HoldId) ? "resolved twice" : "never placed")})");
            return;
        }
        ResolvedHolds.Add(e.HoldId);
        if (e is HoldCaptured)
        {
            Out += e.Amount;
            Expect(e.Amount <= hold.Amount && e.Delta == -e.Amount, "a capture takes at most the hold", fail);
        }
        else
        {
            Expect(e.Amount == hold.Amount && e.Delta == 0, "a release or expiry frees the whole hold", fail);
        }
        if (e is HoldExpired && e.At != hold.ExpiresAt)
            fail($"hold '{e.HoldId}' expired at {e.At}, not at its expiry instant {hold.ExpiresAt}");
    }

    private void Deplete(AccountEvent e, Action<string> fail)
    {
        Expect(Active, "one depletion per episode: a depleted account does not deplete again", fail);
        if (e.BalanceAfter - e.HeldAfter != 0)
            fail($"depleted with {e.BalanceAfter - e.HeldAfter} still available");
        if (e.Episode != Depletions + 1)
            fail($"depletion of episode {e.Episode} follows {Depletions} depletions");
        if (e.Consumed > 0)
        {
            // Ran dry by consumption: at this tick the stretch's consumption covers what was consumed, one tick earlier it did not.
            if (Fine / Consumption.FinePerUnit < StretchConsumed)
                fail($"depleted at {e.At} although rate x time gives only {Fine / Consumption.FinePerUnit} of {StretchConsumed} consumed");
            if ((Fine - Rate) / Consumption.FinePerUnit >= StretchConsumed)
                fail($"depleted at {e.At} but funds already ran out a tick earlier: depletesAt not exact");
        }
        Active = false;
        Depletions++;
        Fine = 0;
        StretchConsumed = 0;
    }

    private static void Expect(bool condition, string rule, Action<string> fail)
    {
        if (!condition)
            fail(rule);
    }
}
