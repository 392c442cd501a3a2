using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Accounts;

/// <summary>An account as seen at an instant: consumption settled up to it, nothing stored.</summary>
public sealed record AccountView(
    string AccountId,
    string Currency,
    Money Balance,
    Money Available,
    Money Held,
    Rate Rate,
    AccountStatus Status,
    long? DepletesAt,
    long AsOf)
{
    public static AccountView At(AccountState state, long now)
    {
        var current = AccountDecider.Decide(state, new Wake(), now).State;
        return Of(current);
    }

    /// <summary>The view of a state that is already settled to the instant of interest (a write's result).</summary>
    public static AccountView Of(AccountState state) =>
        new(state.AccountId, state.Currency, state.Balance, state.Available, state.Held, state.Rate,
            state.Status, AccountDecider.DepletesAt(state), state.SettledAt);
}
