namespace BillingFunctions.Core.Accounts;

/// <summary>What the host must do after a decision.</summary>
public abstract record Effect;

/// <summary>Check the account again at this instant (depletion, warning or hold expiry). Stale checks are harmless.</summary>
public sealed record ScheduleWake(long At) : Effect;

/// <summary>Tell the platform to shut the account's machines down; <c>EventIndex</c> points at the account.depleted event.</summary>
public sealed record CallCutoff(string Url, int EventIndex) : Effect;

/// <summary>
/// The result of deciding one command. Even a rejected command may carry events: if the account ran dry
/// before the command's instant, that depletion is real and must be recorded.
/// </summary>
public sealed record Outcome(AccountState State, IReadOnlyList<AccountEvent> Events, IReadOnlyList<Effect> Effects, Rejection? Rejection)
{
    public bool Accepted => Rejection is null;
}
