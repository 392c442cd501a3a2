using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Queues;
using Microsoft.Data.Sqlite;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Server.Storage;

/// <summary>Baskets, queues and notifications: written in the same transaction as the accounts they concern.</summary>
public sealed partial class SqliteStore
{
    private const string BasketSelect = "SELECT basket_id, account_id, opened_at, status, attempt, amount, decided_at, reason FROM baskets";

    private void CommitOrders(SqliteTransaction transaction, CommitBatch batch)
    {
        foreach (var b in batch.Baskets.Values)
            Run(transaction, """
                INSERT INTO baskets VALUES ($id, $account, $opened, $status, $attempt, $amount, $decided, $reason)
                ON CONFLICT (basket_id) DO UPDATE SET status = excluded.status, attempt = excluded.attempt,
                    amount = excluded.amount, decided_at = excluded.decided_at, reason = excluded.reason
                """,
                ("$id", b.BasketId), ("$account", b.AccountId), ("$opened", b.OpenedAt), ("$status", StatusName(b.Status)),
                ("$attempt", b.Attempt), ("$amount", b.Amount.Units), ("$decided", b.DecidedAt), ("$reason", b.Reason));
        foreach (var change in batch.QueueChanges)
            CommitQueueChange(transaction, change);
        foreach (var n in batch.Notifications)
            Run(transaction, """
                INSERT INTO notifications (notification_id, account_id, basket_id, attempt, status, amount, reason, at, recorded_at)
                VALUES ($id, $account, $basket, $attempt, $status, $amount, $reason, $at, $recorded)
                ON CONFLICT (notification_id) DO NOTHING
                """,
                ("$id", n.NotificationId), ("$account", n.AccountId), ("$basket", n.BasketId), ("$attempt", n.Attempt),
                ("$status", n.Status), ("$amount", n.Amount), ("$reason", n.Reason), ("$at", n.At), ("$recorded", n.RecordedAt));
    }

    private void CommitQueueChange(SqliteTransaction transaction, QueueChange change)
    {
        switch (change)
        {
            case MessageEnqueued { Message: var m }:
                InsertMessage(transaction, m);
                break;
            case DeadLetterResubmitted r:
                Run(transaction, "DELETE FROM dead_letters WHERE queue = $queue AND sequence = $sequence",
                    ("$queue", r.Queue), ("$sequence", r.DeadLetterSequence));
                InsertMessage(transaction, r.Message);
                break;
            case DeliveryCounted c:
                Run(transaction, "UPDATE queue_messages SET delivery_count = $count WHERE queue = $queue AND sequence = $sequence",
                    ("$queue", c.Queue), ("$sequence", c.Sequence), ("$count", c.DeliveryCount));
                break;
            case MessageCompleted c:
                Run(transaction, "DELETE FROM queue_messages WHERE queue = $queue AND sequence = $sequence",
                    ("$queue", c.Queue), ("$sequence", c.Sequence));
                break;
            case MessageDeadLettered { Letter: var letter }:
                var m2 = letter.Message;
                Run(transaction, "DELETE FROM queue_messages WHERE queue = $queue AND sequence = $sequence",
                    ("$queue", m2.Queue), ("$sequence", m2.Sequence));
                Run(transaction, "INSERT INTO dead_letters VALUES ($queue, $sequence, $id, $body, $at, $count, $reason, $description, $dead)",
                    ("$queue", m2.Queue), ("$sequence", m2.Sequence), ("$id", m2.MessageId), ("$body", m2.Body), ("$at", m2.EnqueuedAt),
                    ("$count", m2.DeliveryCount), ("$reason", letter.Reason), ("$description", letter.Description),
                    ("$dead", letter.DeadLetteredAt));
                break;
            case MessageIdsExpired e:
                Run(transaction, "DELETE FROM queue_message_ids WHERE queue = $queue AND enqueued_at < $before",
                    ("$queue", e.Queue), ("$before", e.EnqueuedBefore));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(change), change, "Unknown queue change.");
        }
    }

    private void InsertMessage(SqliteTransaction transaction, QueueMessage m)
    {
        Run(transaction, "INSERT INTO queue_messages VALUES ($queue, $sequence, $id, $body, $at, $count)",
            ("$queue", m.Queue), ("$sequence", m.Sequence), ("$id", m.MessageId), ("$body", m.Body), ("$at", m.EnqueuedAt),
            ("$count", m.DeliveryCount));
        Run(transaction, "INSERT INTO queue_message_ids VALUES ($queue, $id, $at) ON CONFLICT DO UPDATE SET enqueued_at = excluded.enqueued_at",
            ("$queue", m.Queue), ("$id", m.MessageId), ("$at", m.EnqueuedAt));
    }

    /// <summary>Engine writer: a basket as the log has it, projected or not.</summary>
    internal Basket? FindBasket(string basketId) =>
        _overlay.TryGetBasket(basketId, out var unprojected)
            ? unprojected
            : ReadBaskets(PreparedLookup($"{BasketSelect} WHERE basket_id = $id", ("$id", basketId))).FirstOrDefault();

    /// <summary>Engine writer: the account's newest unpaid basket as the log has it, projected or not.</summary>
    internal Basket? FindOpenBasket(string accountId) =>
        _overlay.OpenBasket(accountId, () => ReadBaskets(PreparedLookup(
            $"{BasketSelect} WHERE account_id = $account AND status <> 'paid' ORDER BY opened_at DESC LIMIT 1", ("$account", accountId))).FirstOrDefault());

    public Basket? ReadBasket(string basketId)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"{BasketSelect} WHERE basket_id = $id";
        command.Parameters.AddWithValue("$id", basketId);
        return ReadBaskets(command).FirstOrDefault();
    }

    /// <summary>What a queue holds at start: its messages in order, the ids still inside the duplicate window, its dead-letter count.</summary>
    internal (List<QueueMessage> Messages, List<(string MessageId, long EnqueuedAt)> RecentIds, long DeadLetters, long LastSequence) LoadQueue(
        string queue, long idsSince)
    {
        // Queues load once, at start: their state must include every batch already logged.
        if (!CaughtUp().GetAwaiter().GetResult())
            throw new InvalidOperationException($"{Path} is behind the commit log and does not catch up; queue {queue} cannot be loaded.");
        var messages = new List<QueueMessage>();
        using var connection = OpenReader();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT sequence, message_id, body, enqueued_at, delivery_count FROM queue_messages WHERE queue = $queue ORDER BY sequence";
            command.Parameters.AddWithValue("$queue", queue);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                messages.Add(new QueueMessage(queue, reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4)));
        }
        var ids = new List<(string, long)>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT message_id, enqueued_at FROM queue_message_ids WHERE queue = $queue AND enqueued_at >= $since ORDER BY enqueued_at";
            command.Parameters.AddWithValue("$queue", queue);
            command.Parameters.AddWithValue("$since", idsSince);
            using var reader = command.ExecuteReader();
            while (reader.Read())
                ids.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                SELECT (SELECT COUNT(*) FROM dead_letters WHERE queue = $queue),
                       MAX(COALESCE((SELECT MAX(sequence) FROM queue_messages WHERE queue = $queue), 0),
                           COALESCE((SELECT MAX(sequence) FROM dead_letters WHERE queue = $queue), 0))
                """;
            command.Parameters.AddWithValue("$queue", queue);
            using var reader = command.ExecuteReader();
            reader.Read();
            // Completed messages leave no row, so sequences may repeat after a restart; they only order what is present.
            return (messages, ids, reader.GetInt64(0), reader.GetInt64(1));
        }
    }

    private const string DeadLetterSelect =
        "SELECT sequence, message_id, body, enqueued_at, delivery_count, reason, description, dead_lettered_at FROM dead_letters";

    public IReadOnlyList<DeadLetter> ReadDeadLetters(string queue, int limit)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"{DeadLetterSelect} WHERE queue = $queue ORDER BY dead_lettered_at DESC, sequence DESC LIMIT $limit";
        command.Parameters.AddWithValue("$queue", queue);
        command.Parameters.AddWithValue("$limit", limit);
        return ReadDeadLetters(command, queue);
    }

    /// <summary>Engine writer: a dead letter as the log has it, projected or not.</summary>
    internal DeadLetter? FindDeadLetter(string queue, long sequence) =>
        _overlay.TryGetDeadLetter(queue, sequence, out var unprojected)
            ? unprojected
            : ReadDeadLetters(PreparedLookup( $"{DeadLetterSelect} WHERE queue = $queue AND sequence = $sequence", ("$queue", queue),
            ("$sequence", sequence)), queue).FirstOrDefault();

    private static List<DeadLetter> ReadDeadLetters(SqliteCommand command, string queue)
    {
        using var reader = command.ExecuteReader();
        var letters = new List<DeadLetter>();
        while (reader.Read())
            letters.Add(new DeadLetter(
                new QueueMessage(queue, reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3), reader.GetInt32(4)),
                reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7)));
        return letters;
    }

    /// <summary>An account's notifications, newest first, before a sequence (0: from the newest).</summary>
    public IReadOnlyList<Notification> ReadNotifications(string accountId, long before, int limit)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT notification_id, account_id, basket_id, attempt, status, amount, reason, at, recorded_at, sequence
            FROM notifications WHERE account_id = $account {(before > 0 ? "AND sequence < $before" : "")}
            ORDER BY sequence DESC LIMIT $limit
            """;
        command.Parameters.AddWithValue("$account", accountId);
        command.Parameters.AddWithValue("$before", before);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var notifications = new List<Notification>();
        while (reader.Read())
            notifications.Add(new Notification(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.GetString(4), reader.GetInt64(5), reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetInt64(7),
                reader.GetInt64(8), reader.GetInt64(9)));
        return notifications;
    }

    private static List<Basket> ReadBaskets(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var baskets = new List<Basket>();
        while (reader.Read())
            baskets.Add(new Basket(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                Enum.Parse<OrderStatus>(reader.GetString(3), ignoreCase: true), reader.GetInt32(4), new Money(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        return baskets;
    }

    internal static string StatusName(OrderStatus status) => status.ToString().ToLowerInvariant();
}
