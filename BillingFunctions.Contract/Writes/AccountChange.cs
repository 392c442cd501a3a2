using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;

namespace BillingFunctions.Contract.Writes;

/// <summary>A cut-off call owed: its id is the account.depleted event's id, the same on every attempt. A null URL means the host's default.</summary>
public sealed record CutoffCall(string EventId, string AccountId, string? Url, int Episode, long DepletedAt);

/// <summary>An event as an accepted outcome emitted it: its number within its account (the account's version after it) and its id.</summary>
public sealed record NumberedEvent(long Version, string EventId, AccountEvent Event);

/// <summary>
/// What an accepted outcome asks of the host that stores it, worked out once for both hosts: the new state, the events
/// with their ids, the hold records that changed, the cut-off calls owed, and the next instant to wake the account.
/// </summary>
public sealed record AccountChange(
    AccountState State,
    IReadOnlyList<NumberedEvent> Events,
    IReadOnlyList<Hold> Holds,
    IReadOnlyList<CutoffCall> Cutoffs,
    long? WakeAt)
{
    /// <summary>
    /// Event ids are <c>{accountId}:{version}</c>: unique (an account's version only grows, one step per event), and
    /// stable across retries, which the Durable runtime needs (a replayed operation must produce the same ids).
    /// </summary>
    public static string EventId(string accountId, long version) => $"{accountId}:{version}";

    public static AccountChange Of(AccountState before, Outcome outcome)
    {
        var accountId = outcome.State.AccountId;
        var events = new NumberedEvent[outcome.Events.Count];
        for (var i = 0; i < events.Length; i++)
        {
            var version = checked(before.Version + i + 1);
            events[i] = new NumberedEvent(version, EventId(accountId, version), outcome.Events[i]);
        }
        var cutoffs = new List<CutoffCall>();
        long? wakeAt = null;
        foreach (var effect in outcome.Effects)
        {
            switch (effect)
            {
                case CallCutoff cutoff:
                    var depleted = events[cutoff.EventIndex];
                    cutoffs.Add(new CutoffCall(depleted.EventId, accountId, cutoff.Url, depleted.Event.Episode, depleted.Event.At));
                    break;
                case ScheduleWake wake:
                    wakeAt = wakeAt is { } earlier ? Math.Min(earlier, wake.At) : wake.At;
                    break;
            }
        }
        return new AccountChange(outcome.State, events, HoldChanges.Of(before, outcome).ToList(), cutoffs, wakeAt);
    }
}
