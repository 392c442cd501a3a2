using System.Text.Json.Serialization;
using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Contract;

/// <summary>An event as committed: its place in the global order and its id. In JSON (durable payloads) the event is flat.</summary>
public sealed record StoredEvent(long Sequence, string EventId, [property: JsonConverter(typeof(AccountEventJson))] AccountEvent Event);

/// <summary>
/// The answer first given to an operation id, replayed for every retry of the same request while the idempotency
/// retention keeps it (from <paramref name="RecordedAt"/>, the writer's instant).
/// </summary>
public sealed record IdempotencyRecord(string Key, string Fingerprint, int Status, string Body, long RecordedAt);

public enum DeliveryStatus { Pending, Delivered, Failed }

/// <summary>One cut-off call owed to the platform, from the outbox; its id is the account.depleted event's id.</summary>
public sealed record CutoffDelivery(
    string EventId,
    string AccountId,
    string Url,
    int Episode,
    long DepletedAt,
    long CreatedAt,
    DeliveryStatus Status,
    int Attempts,
    long NextAttemptAt,
    string? LastError = null,
    long? DeliveredAt = null);

/// <summary>
/// A payment result as the notifications consumer recorded it for the account; its id is the result's id. <c>Sequence</c>
/// is the host's page cursor (newest first): the server's insertion order, the Azure app's recorded instant.
/// </summary>
public sealed record Notification(string NotificationId, string AccountId, string BasketId, int Attempt, string Status, long Amount,
    string? Reason, long At, long RecordedAt, long Sequence = 0);
