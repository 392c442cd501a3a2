namespace BillingFunctions.Core.Accounts;

/// <summary>What the host must do after a decision.</summary>
public abstract record Effect;

/// <summary>Check the account again at this instant (depletion, warning or hold expiry). Stale checks are harmless.</summary>
public sealed record ScheduleWake(long At) : Effect;

/// <summary>
/// Tell the platform to shut the account's machines down; <c>EventIndex</c> points at the account.depleted event.
/// A null <c>Url</c> means the account has none of its own and the host's default applies.
/// </summary>
public sealed record CallCutoff(string? Url, int EventIndex) : Effect;

/// <summary>
/// The result of deciding one command. A rejected command returns the state it was given, no events and
/// no effects: nothing changes. (Anything due by time alone is left to the account's own wake.)
/// </summary>
public sealed record Outcome(AccountState State, IReadOnlyList<AccountEvent> Events, IReadOnlyList<Effect> Effects, Rejection? Rejection)
{
    public bool Accepted => Rejection is null;
}
