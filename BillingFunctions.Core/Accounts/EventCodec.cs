namespace BillingFunctions.Core.Accounts;

/// <summary>
/// The fields of an event beyond its <see cref="LedgerEntry"/>, in the flat form the stores keep them: one nullable
/// column each, set only for the types that have it.
/// </summary>
public sealed record EventDetails(string? HoldId = null, string? Counterparty = null, long? RatePerSecond = null, long? HoldExpiresAt = null)
{
    public static readonly EventDetails None = new();
}

/// <summary>
/// The map between an event as the stores keep it (its type name, its entry and its details, flat) and the typed event.
/// </summary>
public static class EventCodec
{
    /// <summary>The typed event a store's row describes. Details the type does not have are ignored.</summary>
    /// <exception cref="FormatException">An unknown type name, or a type's own field missing.</exception>
    public static AccountEvent Create(string type, LedgerEntry entry, EventDetails details) => type switch
    {
        EventTypes.AccountCreated => new AccountCreated(entry),
        EventTypes.AccountCredited => new AccountCredited(entry),
        EventTypes.AccountDebited => new AccountDebited(entry),
        EventTypes.RateChanged => new RateChanged(entry, details.RatePerSecond ?? throw Missing(type, "rate")),
        EventTypes.TransferCompleted => new TransferCompleted(entry, details.Counterparty ?? throw Missing(type, "counterparty")),
        EventTypes.HoldPlaced => new HoldPlaced(entry, HoldOf(type, details), details.HoldExpiresAt),
        EventTypes.HoldCaptured => new HoldCaptured(entry, HoldOf(type, details)),
        EventTypes.HoldReleased => new HoldReleased(entry, HoldOf(type, details)),
        EventTypes.HoldExpired => new HoldExpired(entry, HoldOf(type, details)),
        EventTypes.AccountDepleted => new AccountDepleted(entry),
        EventTypes.AccountRestored => new AccountRestored(entry),
        EventTypes.LowBalance => new LowBalanceWarning(entry),
        EventTypes.OrderPaid => new OrderPaid(entry),
        EventTypes.OrderRejected => new OrderRejected(entry),
        _ => throw new FormatException($"Unknown event type '{type}'."),
    };

    /// <summary>The fields of an event beyond its entry, as a store keeps them.</summary>
    public static EventDetails Details(AccountEvent e) => e switch
    {
        RateChanged r => new EventDetails(RatePerSecond: r.RatePerSecond),
        TransferCompleted t => new EventDetails(Counterparty: t.Counterparty),
        HoldPlaced p => new EventDetails(HoldId: p.HoldId, HoldExpiresAt: p.ExpiresAt),
        HoldEvent h => new EventDetails(HoldId: h.HoldId),
        _ => EventDetails.None,
    };

    private static string HoldOf(string type, EventDetails details) => details.HoldId ?? throw Missing(type, "hold id");

    private static FormatException Missing(string type, string field) => new($"A stored '{type}' event has no {field}.");
}
