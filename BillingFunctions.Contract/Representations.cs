using BillingFunctions.Core.Amounts;
using System.Text.Json;
using System.Text.Json.Serialization;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;

namespace BillingFunctions.Contract;

/// <summary>The wire shapes of the HTTP contract (docs/http-api.md): amounts as decimal strings, instants as ISO-8601 UTC.</summary>
public static class Representations
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static string Instant(long ticks) => new DateTime(ticks, DateTimeKind.Utc).ToString("O");

    public static string? Instant(long? ticks) => ticks is { } t ? Instant(t) : null;

    public static AccountResponse Account(AccountView view) => new(
        view.AccountId, view.Currency, view.Balance.ToString(), view.Available.ToString(), view.Held.ToString(),
        view.Rate.ToString(), view.Status == AccountStatus.Active ? "active" : "depleted", Instant(view.DepletesAt), Instant(view.AsOf));

    public static HoldResponse Hold(string accountId, Hold hold, AccountResponse? account) => new(
        hold.HoldId, accountId, hold.Amount.ToString(), hold.Captured.ToString(), hold.Status.ToString().ToLowerInvariant(),
        Instant(hold.PlacedAt), Instant(hold.ExpiresAt), account);

    public static EventResponse Event(StoredEvent stored)
    {
        var e = stored.Event;
        // A hold's expiry is kept with hold.placed but not shown here: the hold itself shows it.
        var details = EventCodec.Details(e);
        return new EventResponse(stored.Sequence, stored.EventId, e.Type, e.AccountId, e.OperationId, Instant(e.At),
            Money(e.Amount), Money(e.Delta), Money(e.Consumed), Money(e.BalanceBefore), Money(e.BalanceAfter), Money(e.HeldAfter),
            e.Episode, details.HoldId, details.Counterparty, details.RatePerSecond is { } r ? new Rate(r).ToString() : null);
    }

    public static OrderResponse Order(Core.Orders.Basket basket) => new(basket.BasketId, basket.AccountId, basket.Amount.ToString(),
        basket.Status.ToString().ToLowerInvariant(), basket.Attempt, basket.Reason, Instant(basket.DecidedAt));

    /// <summary>A payment result recorded for its account. The page cursor is the host's own and is not part of the item.</summary>
    public static NotificationResponse Notification(Notification n) => new(n.NotificationId, n.AccountId, n.BasketId, n.Attempt,
        n.Status == "paid" ? EventTypes.OrderPaid : EventTypes.OrderRejected, n.Status, Money(n.Amount), n.Reason, Instant(n.At),
        Instant(n.RecordedAt));

    public static Rendered Render(int status, object body) => new(status, JsonSerializer.Serialize(body, Json));

    private static string Money(long units) => new Money(units).ToString();
}

public sealed record AccountResponse(string AccountId, string Currency, string Balance, string Available, string Held,
    string RatePerSecond, string Status, string? DepletesAt, string AsOf);

public sealed record HoldResponse(string HoldId, string AccountId, string Amount, string Captured, string Status,
    string PlacedAt, string? ExpiresAt, AccountResponse? Account);

public sealed record TransferResponse(AccountResponse From, AccountResponse To);

public sealed record EventResponse(long Sequence, string EventId, string Type, string AccountId, string? OperationId, string At,
    string Amount, string Delta, string Consumed, string BalanceBefore, string BalanceAfter, string Held, int Episode,
    string? HoldId, string? Counterparty, string? RatePerSecond);

public sealed record Page<T>(IReadOnlyList<T> Items, long? Next);

public sealed record BasketResponse(string BasketId);

public sealed record OrderAccepted(string BasketId, string Status);

/// <summary>A notification as listed. <c>AccountId</c> is <c>userId</c> on the wire, the platform's name for it.</summary>
public sealed record NotificationResponse(string NotificationId, [property: JsonPropertyName("userId")] string AccountId, string BasketId,
    int Attempt, string Type, string Status, string Amount, string? Reason, string At, string RecordedAt);

/// <summary>An order as <c>GET /orders/{basketId}</c> shows it. <c>AccountId</c> is <c>userId</c> on the wire, the platform's name for it.</summary>
public sealed record OrderResponse(string BasketId, [property: JsonPropertyName("userId")] string AccountId, string Amount, string Status,
    int Attempt, string? Reason, string? DecidedAt);
