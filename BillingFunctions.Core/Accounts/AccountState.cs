using System.Collections.Immutable;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Accounts;

/// <summary>
/// An account as of <see cref="SettledAt"/>: consumption up to that instant is already taken from
/// <see cref="Balance"/>. Only active holds live here; resolved ones are history kept by the host.
/// </summary>
public sealed record AccountState(
    string AccountId,
    string Currency,
    string? CutoffUrl,
    int? LowBalanceWarningSeconds,
    Money Balance,
    Rate Rate,
    long Carry,
    long SettledAt,
    AccountStatus Status,
    int Episode,
    bool LowBalanceWarned,
    Money UnreportedConsumption,
    ImmutableSortedDictionary<string, Hold> Holds,
    long Version)
{
    public Money Held
    {
        get
        {
            var held = Money.Zero;
            foreach (var hold in Holds.Values)
                held += hold.Amount;
            return held;
        }
    }

    public Money Available => Balance - Held;

    /// <summary>The holds of an account that holds nothing: one shared instance, not one per account in memory.</summary>
    public static readonly ImmutableSortedDictionary<string, Hold> NoHolds = ImmutableSortedDictionary.Create<string, Hold>(StringComparer.Ordinal);

    public static AccountState Open(string accountId, string currency, string? cutoffUrl, int? lowBalanceWarningSeconds, long now) =>
        new(accountId, currency, cutoffUrl, lowBalanceWarningSeconds, Money.Zero, Rate.Zero, 0, now,
            AccountStatus.Active, 0, false, Money.Zero, NoHolds, 0);
}
