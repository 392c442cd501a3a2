using System.Collections.Immutable;
using System.Text.Json.Serialization;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Orders;
using BillingFunctions.Orders;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Accounts;

/// <summary>
/// The durable state of one account entity, in plain serializable fields: the Durable runtime stores it as JSON
/// between operations. Holds the account itself, the answers given to operation ids (replayed on retry), the
/// order payments decided but not yet confirmed in the baskets table, and the one wake signal that is armed.
/// </summary>
public sealed class AccountRecord
{
    public StoredAccount? Account { get; set; }

    /// <summary>
    /// Operation id → the answer first given to it, kept for the idempotency retention and then dropped, as the
    /// self-hosted server does: the runtime reads and writes this whole record on every operation.
    /// </summary>
    public Dictionary<string, StoredAnswer> Answers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The answer kept under an idempotency key (already within the retention: the entity drops expired ones first).</summary>
    public IdempotencyRecord? FindAnswer(string key) =>
        Answers.TryGetValue(key, out var answer) ? new IdempotencyRecord(key, answer.Fingerprint, answer.Status, answer.Body, answer.RecordedAt) : null;

    /// <summary>
    /// Order attempt id (<c>{basketId}:{attempt}</c>) → its decided result, kept until the order consumer confirms the
    /// baskets table row is written; after that the basket row itself says the attempt is decided.
    /// </summary>
    public Dictionary<string, StoredPayment> Payments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Hold id → how a hold that is no longer active ended (captured, released, expired) and when, kept for the idempotency
    /// retention like the answers: acting on it again is then refused as "already captured", as on the self-hosted server,
    /// rather than "no such hold". Active holds live in <see cref="Account"/>.
    /// </summary>
    public Dictionary<string, ResolvedHold> ResolvedHolds { get; set; } = new(StringComparer.Ordinal);

    public Hold? FindResolvedHold(string holdId) =>
        ResolvedHolds.TryGetValue(holdId, out var resolved) ? new Hold(holdId, Money.Zero, 0, null, resolved.Status) : null;

    /// <summary>The instant the armed wake signal is for (null: none armed), and its generation.</summary>
    public long? WakeAt { get; set; }

    public int WakeGeneration { get; set; }
}

/// <summary>An answer as rendered when first given, replayed byte for byte until it expires; <c>RecordedAt</c> in UTC ticks.</summary>
public sealed record StoredAnswer(string Fingerprint, int Status, [property: JsonConverter(typeof(EmbeddedJson))] string Body, long RecordedAt)
{
    public static StoredAnswer From(IdempotencyRecord record) => new(record.Fingerprint, record.Status, record.Body, record.RecordedAt);
}

/// <summary>A decided order attempt: the basket as the decision left it, and what to tell the queue.</summary>
public sealed record StoredPayment(Disposition Disposition, StoredBasket Basket, StoredResult Result);

/// <summary><see cref="AccountState"/> in serializable fields.</summary>
public sealed record StoredAccount(
    string AccountId,
    string Currency,
    string? CutoffUrl,
    int? LowBalanceWarningSeconds,
    long Balance,
    long RatePicoPerSecond,
    long Carry,
    long SettledAt,
    AccountStatus Status,
    int Episode,
    bool LowBalanceWarned,
    long UnreportedConsumption,
    IReadOnlyList<StoredHold> Holds,
    long Version)
{
    public static StoredAccount From(AccountState s) => new(s.AccountId, s.Currency, s.CutoffUrl, s.LowBalanceWarningSeconds,
        s.Balance.Units, s.Rate.PicoPerSecond, s.Carry, s.SettledAt, s.Status, s.Episode, s.LowBalanceWarned,
        s.UnreportedConsumption.Units, s.Holds.Values.Select(h => new StoredHold(h.HoldId, h.Amount.Units, h.PlacedAt, h.ExpiresAt)).ToList(),
        s.Version);

    public AccountState ToState() => new(AccountId, Currency, CutoffUrl, LowBalanceWarningSeconds, new Money(Balance),
        new Rate(RatePicoPerSecond), Carry, SettledAt, Status, Episode, LowBalanceWarned, new Money(UnreportedConsumption),
        Holds.Select(h => new Hold(h.HoldId, new Money(h.Amount), h.PlacedAt, h.ExpiresAt))
            .ToImmutableSortedDictionary(h => h.HoldId, h => h, StringComparer.Ordinal),
        Version);
}

public sealed record StoredHold(string HoldId, long Amount, long PlacedAt, long? ExpiresAt);

/// <summary>How a hold ended, and the entity's instant when it did (UTC ticks): kept as long as answers are.</summary>
public sealed record ResolvedHold(HoldStatus Status, long RecordedAt);
