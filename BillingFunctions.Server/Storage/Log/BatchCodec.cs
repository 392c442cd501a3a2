using System.Collections.Immutable;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Queues;

namespace BillingFunctions.Server.Storage.Log;

/// <summary>
/// A committed batch as one log record: everything the projection writes to SQLite for it, in a compact binary form.
/// The first byte is the format's version, so a later version can still read what an earlier one logged.
/// Pruning is not logged: it is the projection's own housekeeping.
/// </summary>
internal static class BatchCodec
{
    private const byte Version = 1;

    public static ReadOnlySpan<byte> Encode(CommitBatch batch, RecordWriter writer)
    {
        writer.Reset();
        writer.Byte(Version);
        writer.Int(batch.Accounts.Count);
        foreach (var account in batch.Accounts.Values)
            Write(writer, account);
        writer.Int(batch.Holds.Count);
        foreach (var (accountId, hold) in batch.Holds)
        {
            writer.Text(accountId);
            Write(writer, hold);
        }
        writer.Int(batch.Events.Count);
        foreach (var (eventId, e) in batch.Events)
        {
            writer.Text(eventId);
            Write(writer, e);
        }
        writer.Int(batch.IdempotencyRecords.Count);
        foreach (var record in batch.IdempotencyRecords)
        {
            writer.Text(record.Key);
            writer.Text(record.Fingerprint);
            writer.Int(record.Status);
            writer.Text(record.Body);
            writer.Long(record.RecordedAt);
        }
        writer.Int(batch.Deliveries.Count);
        foreach (var delivery in batch.Deliveries)
            Write(writer, delivery);
        writer.Int(batch.Baskets.Count);
        foreach (var basket in batch.Baskets.Values)
            Write(writer, basket);
        writer.Int(batch.QueueChanges.Count);
        foreach (var change in batch.QueueChanges)
            Write(writer, change);
        writer.Int(batch.Notifications.Count);
        foreach (var notification in batch.Notifications)
            Write(writer, notification);
        return writer.Written;
    }

    /// <exception cref="FormatException">Not a batch record of a version this build reads.</exception>
    public static CommitBatch Decode(ReadOnlySpan<byte> record)
    {
        var reader = new RecordReader(record);
        if (reader.Byte() is var version && version != Version)
            throw new FormatException($"A log record of format version {version}; this build reads version {Version}.");
        var batch = new CommitBatch();
        for (var i = Count(ref reader); i > 0; i--)
        {
            var account = ReadAccount(ref reader);
            batch.Accounts[account.AccountId] = account;
        }
        for (var i = Count(ref reader); i > 0; i--)
            batch.Holds.Add((reader.Text(), ReadHold(ref reader)));
        for (var i = Count(ref reader); i > 0; i--)
            batch.Events.Add((reader.Text(), ReadEvent(ref reader)));
        for (var i = Count(ref reader); i > 0; i--)
            batch.IdempotencyRecords.Add(new IdempotencyRecord(reader.Text(), reader.Text(), reader.Int(), reader.Text(), reader.Long()));
        for (var i = Count(ref reader); i > 0; i--)
            batch.Deliveries.Add(ReadDelivery(ref reader));
        for (var i = Count(ref reader); i > 0; i--)
        {
            var basket = ReadBasket(ref reader);
            batch.Baskets[basket.BasketId] = basket;
        }
        for (var i = Count(ref reader); i > 0; i--)
            batch.QueueChanges.Add(ReadQueueChange(ref reader));
        for (var i = Count(ref reader); i > 0; i--)
            batch.Notifications.Add(ReadNotification(ref reader));
        if (!reader.AtEnd)
            throw new FormatException("A log record has bytes after its batch.");
        return batch;
    }

    private static int Count(ref RecordReader reader) =>
        reader.Int() is var count and >= 0 ? count : throw new FormatException("A log record holds a negative count.");

    private static void Write(RecordWriter writer, AccountState a)
    {
        writer.Text(a.AccountId);
        writer.Text(a.Currency);
        writer.OptionalText(a.CutoffUrl);
        writer.OptionalInt(a.LowBalanceWarningSeconds);
        writer.Long(a.Balance.Units);
        writer.Long(a.Rate.PicoPerSecond);
        writer.Long(a.Carry);
        writer.Long(a.SettledAt);
        writer.Int((int)a.Status);
        writer.Int(a.Episode);
        writer.Bool(a.LowBalanceWarned);
        writer.Long(a.UnreportedConsumption.Units);
        writer.Int(a.Holds.Count);
        foreach (var hold in a.Holds.Values)
            Write(writer, hold);
        writer.Long(a.Version);
    }

    private static AccountState ReadAccount(ref RecordReader r)
    {
        var (id, currency, url, warning) = (r.Text(), r.Text(), r.OptionalText(), r.OptionalInt());
        var (balance, rate, carry, settledAt) = (new Money(r.Long()), new Rate(r.Long()), r.Long(), r.Long());
        var (status, episode, warned, unreported) = ((AccountStatus)r.Int(), r.Int(), r.Bool(), new Money(r.Long()));
        var holds = AccountState.NoHolds;
        var count = Count(ref r);
        if (count > 0)
        {
            var builder = ImmutableSortedDictionary.CreateBuilder<string, Hold>(StringComparer.Ordinal);
            for (var i = 0; i < count; i++)
            {
                var hold = ReadHold(ref r);
                builder[hold.HoldId] = hold;
            }
            holds = builder.ToImmutable();
        }
        return new AccountState(id, currency, url, warning, balance, rate, carry, settledAt, status, episode, warned, unreported, holds, r.Long());
    }

    private static void Write(RecordWriter writer, Hold h)
    {
        writer.Text(h.HoldId);
        writer.Long(h.Amount.Units);
        writer.Long(h.PlacedAt);
        writer.OptionalLong(h.ExpiresAt);
        writer.Int((int)h.Status);
        writer.Long(h.Captured.Units);
    }

    private static Hold ReadHold(ref RecordReader r) =>
        new(r.Text(), new Money(r.Long()), r.Long(), r.OptionalLong(), (HoldStatus)r.Int(), new Money(r.Long()));

    private static void Write(RecordWriter writer, AccountEvent e)
    {
        writer.Text(e.Type);
        var entry = e.Entry;
        writer.Text(entry.AccountId);
        writer.Long(entry.At);
        writer.OptionalText(entry.OperationId);
        writer.Long(entry.Amount);
        writer.Long(entry.Delta);
        writer.Long(entry.Consumed);
        writer.Long(entry.BalanceBefore);
        writer.Long(entry.BalanceAfter);
        writer.Long(entry.HeldAfter);
        writer.Int(entry.Episode);
        var details = EventCodec.Details(e);
        writer.OptionalText(details.HoldId);
        writer.OptionalText(details.Counterparty);
        writer.OptionalLong(details.RatePerSecond);
        writer.OptionalLong(details.HoldExpiresAt);
    }

    private static AccountEvent ReadEvent(ref RecordReader r)
    {
        var type = r.Text();
        var entry = new LedgerEntry(r.Text(), r.Long(), r.OptionalText(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Long(), r.Int());
        return EventCodec.Create(type, entry, new EventDetails(r.OptionalText(), r.OptionalText(), r.OptionalLong(), r.OptionalLong()));
    }

    private static void Write(RecordWriter writer, CutoffDelivery d)
    {
        writer.Text(d.EventId);
        writer.Text(d.AccountId);
        writer.Text(d.Url);
        writer.Int(d.Episode);
        writer.Long(d.DepletedAt);
        writer.Long(d.CreatedAt);
        writer.Int((int)d.Status);
        writer.Int(d.Attempts);
        writer.Long(d.NextAttemptAt);
        writer.OptionalText(d.LastError);
        writer.OptionalLong(d.DeliveredAt);
    }

    private static CutoffDelivery ReadDelivery(ref RecordReader r) =>
        new(r.Text(), r.Text(), r.Text(), r.Int(), r.Long(), r.Long(), (DeliveryStatus)r.Int(), r.Int(), r.Long(), r.OptionalText(), r.OptionalLong());

    private static void Write(RecordWriter writer, Basket b)
    {
        writer.Text(b.BasketId);
        writer.Text(b.AccountId);
        writer.Long(b.OpenedAt);
        writer.Int((int)b.Status);
        writer.Int(b.Attempt);
        writer.Long(b.Amount.Units);
        writer.OptionalLong(b.DecidedAt);
        writer.OptionalText(b.Reason);
    }

    private static Basket ReadBasket(ref RecordReader r) =>
        new(r.Text(), r.Text(), r.Long(), (OrderStatus)r.Int(), r.Int(), new Money(r.Long()), r.OptionalLong(), r.OptionalText());

    private static void Write(RecordWriter writer, Notification n)
    {
        writer.Text(n.NotificationId);
        writer.Text(n.AccountId);
        writer.Text(n.BasketId);
        writer.Int(n.Attempt);
        writer.Text(n.Status);
        writer.Long(n.Amount);
        writer.OptionalText(n.Reason);
        writer.Long(n.At);
        writer.Long(n.RecordedAt);
    }

    private static Notification ReadNotification(ref RecordReader r) =>
        new(r.Text(), r.Text(), r.Text(), r.Int(), r.Text(), r.Long(), r.OptionalText(), r.Long(), r.Long());

    private enum QueueChangeKind : byte { Enqueued = 1, DeliveryCounted, Completed, DeadLettered, Resubmitted, IdsExpired }

    private static void Write(RecordWriter writer, QueueChange change)
    {
        switch (change)
        {
            case MessageEnqueued enqueued:
                writer.Byte((byte)QueueChangeKind.Enqueued);
                Write(writer, enqueued.Message);
                break;
            case DeliveryCounted counted:
                writer.Byte((byte)QueueChangeKind.DeliveryCounted);
                writer.Text(counted.Queue);
                writer.Long(counted.Sequence);
                writer.Int(counted.DeliveryCount);
                break;
            case MessageCompleted completed:
                writer.Byte((byte)QueueChangeKind.Completed);
                writer.Text(completed.Queue);
                writer.Long(completed.Sequence);
                break;
            case MessageDeadLettered { Letter: var letter }:
                writer.Byte((byte)QueueChangeKind.DeadLettered);
                Write(writer, letter.Message);
                writer.Text(letter.Reason);
                writer.OptionalText(letter.Description);
                writer.Long(letter.DeadLetteredAt);
                break;
            case DeadLetterResubmitted resubmitted:
                writer.Byte((byte)QueueChangeKind.Resubmitted);
                writer.Long(resubmitted.DeadLetterSequence);
                Write(writer, resubmitted.Message);
                break;
            case MessageIdsExpired expired:
                writer.Byte((byte)QueueChangeKind.IdsExpired);
                writer.Text(expired.Queue);
                writer.Long(expired.EnqueuedBefore);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "A queue change the log does not know.");
        }
    }

    private static QueueChange ReadQueueChange(ref RecordReader r) => (QueueChangeKind)r.Byte() switch
    {
        QueueChangeKind.Enqueued => new MessageEnqueued(ReadMessage(ref r)),
        QueueChangeKind.DeliveryCounted => new DeliveryCounted(r.Text(), r.Long(), r.Int()),
        QueueChangeKind.Completed => new MessageCompleted(r.Text(), r.Long()),
        QueueChangeKind.DeadLettered => new MessageDeadLettered(new DeadLetter(ReadMessage(ref r), r.Text(), r.OptionalText(), r.Long())),
        QueueChangeKind.Resubmitted => new DeadLetterResubmitted(r.Long(), ReadMessage(ref r)),
        QueueChangeKind.IdsExpired => new MessageIdsExpired(r.Text(), r.Long()),
        var other => throw new FormatException($"A log record holds an unknown queue change ({other})."),
    };

    private static void Write(RecordWriter writer, QueueMessage m)
    {
        writer.Text(m.Queue);
        writer.Long(m.Sequence);
        writer.Text(m.MessageId);
        writer.Text(m.Body);
        writer.Long(m.EnqueuedAt);
        writer.Int(m.DeliveryCount);
    }

    private static QueueMessage ReadMessage(ref RecordReader r) => new(r.Text(), r.Long(), r.Text(), r.Text(), r.Long(), r.Int());
}
