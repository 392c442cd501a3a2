using BillingFunctions.Core.Amounts;
using System.Runtime.Serialization;
using Azure;
using Azure.Data.Tables;
using BillingFunctions.Accounts;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Orders;
using BillingFunctions.Orders;

namespace BillingFunctions.Tables;

/// <summary>One ledger entry: partition = account, row = the event's sequence, zero-padded so rows sort in order.</summary>
public sealed class LedgerRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string EventId { get; set; } = "";
    public string Type { get; set; } = "";
    public long At { get; set; }
    public string? OperationId { get; set; }
    public long Amount { get; set; }
    public long Delta { get; set; }
    public long Consumed { get; set; }
    public long BalanceBefore { get; set; }
    public long BalanceAfter { get; set; }
    public long HeldAfter { get; set; }
    public int Episode { get; set; }
    public string? HoldId { get; set; }
    public string? Counterparty { get; set; }
    public long? RatePerSecond { get; set; }

    /// <summary>hold.placed only: when the hold expires (null: never). Rows written before it was kept lack it.</summary>
    public long? HoldExpiresAt { get; set; }

    public static string Key(long sequence) => sequence.ToString("D19");

    public static LedgerRow From(StoredEvent stored)
    {
        var e = stored.Event;
        var details = EventCodec.Details(e);
        return new LedgerRow
        {
            PartitionKey = e.AccountId, RowKey = Key(stored.Sequence), EventId = stored.EventId, Type = e.Type, At = e.At,
            OperationId = e.OperationId, Amount = e.Amount, Delta = e.Delta, Consumed = e.Consumed, BalanceBefore = e.BalanceBefore,
            BalanceAfter = e.BalanceAfter, HeldAfter = e.HeldAfter, Episode = e.Episode, HoldId = details.HoldId,
            Counterparty = details.Counterparty, RatePerSecond = details.RatePerSecond, HoldExpiresAt = details.HoldExpiresAt,
        };
    }

    /// <exception cref="FormatException">The row's type is unknown or lacks its own field.</exception>
    public StoredEvent ToEvent() => new(long.Parse(RowKey), EventId, EventCodec.Create(Type,
        new LedgerEntry(PartitionKey, At, OperationId, Amount, Delta, Consumed, BalanceBefore, BalanceAfter, HeldAfter, Episode),
        new EventDetails(HoldId, Counterparty, RatePerSecond, HoldExpiresAt)));
}

/// <summary>A basket and its order: partition = basket id, one row. Written with ETag compare-and-set.</summary>
public sealed class BasketRow : ITableEntity
{
    public const string Row = "basket";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }

    /// <summary>
    /// Stored as <c>UserId</c>, its name before the code called it the account id, so rows already written still read.
    /// A query filter names the stored property (<c>UserId eq …</c>): the client maps the name only for rows, not filters.
    /// </summary>
    [DataMember(Name = "UserId")]
    public string AccountId { get; set; } = "";

    public long OpenedAt { get; set; }
    public string Status { get; set; } = "";
    public int Attempt { get; set; }
    public long Amount { get; set; }
    public long? DecidedAt { get; set; }
    public string? Reason { get; set; }

    public static BasketRow From(Basket b, ETag etag = default) => new()
    {
        PartitionKey = b.BasketId, AccountId = b.AccountId, OpenedAt = b.OpenedAt, Status = b.Status.ToString(), Attempt = b.Attempt,
        Amount = b.Amount.Units, DecidedAt = b.DecidedAt, Reason = b.Reason, ETag = etag,
    };

    public Basket ToBasket() => new(PartitionKey, AccountId, OpenedAt, Enum.Parse<OrderStatus>(Status), Attempt, new Money(Amount),
        DecidedAt, Reason);
}

/// <summary>
/// Which basket an account has open: partition = <c>user:{accountId}</c> (the prefix rows were first written with, kept
/// so they are still found), one row naming the basket id.
/// </summary>
public sealed class OpenBasketRow : ITableEntity
{
    public const string Row = "open-basket";

    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = Row;
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string BasketId { get; set; } = "";

    public static string Partition(string accountId) => $"user:{accountId}";
}

/// <summary>A payment result as the notifications consumer recorded it: partition = account, row = result id (idempotent).</summary>
public sealed class NotificationRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string BasketId { get; set; } = "";
    public int Attempt { get; set; }
    public string Status { get; set; } = "";
    public long Amount { get; set; }
    public string? Reason { get; set; }
    public long At { get; set; }

    /// <summary>When the notifications consumer recorded the result (UTC ticks): the listing's order and page cursor.</summary>
    public long RecordedAt { get; set; }

    public static NotificationRow From(PaymentResult r, long recordedAt) => new()
    {
        PartitionKey = r.AccountId, RowKey = r.ResultId, BasketId = r.BasketId, Attempt = r.Attempt, Status = r.Status.ToString(),
        Amount = r.Amount.Units, Reason = r.Reason, At = r.At, RecordedAt = recordedAt,
    };

    public Notification ToNotification() => new(RowKey, PartitionKey, BasketId, Attempt, Status.ToLowerInvariant(), Amount, Reason, At,
        RecordedAt, Sequence: RecordedAt);
}

/// <summary>One cut-off call owed or made: partition = account, row = the account.depleted event id.</summary>
public sealed class DeliveryRow : ITableEntity
{
    public string PartitionKey { get; set; } = "";
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Url { get; set; } = "";
    public int Episode { get; set; }
    public long DepletedAt { get; set; }
    public string Status { get; set; } = nameof(DeliveryStatus.Pending);
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public long? DeliveredAt { get; set; }

    public static DeliveryRow For(CutoffCall call, string url) => new()
    {
        PartitionKey = call.AccountId, RowKey = call.EventId, Url = url, Episode = call.Episode, DepletedAt = call.DepletedAt,
    };

    /// <summary>The attempt's outcome on this row; the count keeps the highest attempt number any run recorded.</summary>
    public void Record(DeliveryAttempt attempt)
    {
        Attempts = Math.Max(Attempts, attempt.Number);
        Status = attempt.Status.ToString();
        LastError = attempt.Error;
        DeliveredAt = attempt.DeliveredAt;
    }

    /// <summary>This delivery as a row not stored yet (no ETag, no attempts).</summary>
    public DeliveryRow Unstored() => new()
    {
        PartitionKey = PartitionKey, RowKey = RowKey, Url = Url, Episode = Episode, DepletedAt = DepletedAt,
    };
}

/// <summary>What one cut-off attempt came to: its number (1, 2, ...), the status it leaves, and its error or delivery instant.</summary>
public sealed record DeliveryAttempt(int Number, DeliveryStatus Status, string? Error, long? DeliveredAt)
{
    public static DeliveryAttempt Delivered(int number, long at) => new(number, DeliveryStatus.Delivered, null, at);

    /// <summary>Not delivered this time; the orchestration's retry policy makes the next attempt.</summary>
    public static DeliveryAttempt Retry(int number, string error) => new(number, DeliveryStatus.Pending, error, null);

    /// <summary>Can never be delivered (nowhere to call): no more attempts.</summary>
    public static DeliveryAttempt Undeliverable(int number, string error) => new(number, DeliveryStatus.Failed, error, null);
}
