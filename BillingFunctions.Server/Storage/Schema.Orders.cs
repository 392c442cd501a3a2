namespace BillingFunctions.Server.Storage;

/// <summary>
/// Baskets, the durable queues (orders, payment-results) with their dead letters, and notifications, as version 1 of
/// the schema created them: this text is step 1 of <see cref="SchemaMigrations"/> and is never edited. Later steps
/// change these tables; step 3 renames <c>user_id</c> in baskets and notifications to <c>account_id</c>, with their indexes.
/// </summary>
internal static partial class Schema
{
    public const string CreateOrders = """
        CREATE TABLE IF NOT EXISTS baskets (
            basket_id TEXT PRIMARY KEY,
            user_id TEXT NOT NULL,
            opened_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            decided_at INTEGER,
            reason TEXT
        );
        CREATE INDEX IF NOT EXISTS baskets_unpaid_by_user ON baskets (user_id, opened_at) WHERE status <> 'paid';
        CREATE TABLE IF NOT EXISTS queue_messages (
            queue TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            message_id TEXT NOT NULL,
            body TEXT NOT NULL,
            enqueued_at INTEGER NOT NULL,
            delivery_count INTEGER NOT NULL,
            PRIMARY KEY (queue, sequence)
        );
        CREATE TABLE IF NOT EXISTS queue_message_ids (
            queue TEXT NOT NULL,
            message_id TEXT NOT NULL,
            enqueued_at INTEGER NOT NULL,
            PRIMARY KEY (queue, message_id)
        );
        CREATE TABLE IF NOT EXISTS dead_letters (
            queue TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            message_id TEXT NOT NULL,
            body TEXT NOT NULL,
            enqueued_at INTEGER NOT NULL,
            delivery_count INTEGER NOT NULL,
            reason TEXT NOT NULL,
            description TEXT,
            dead_lettered_at INTEGER NOT NULL,
            PRIMARY KEY (queue, sequence)
        );
        CREATE TABLE IF NOT EXISTS notifications (
            sequence INTEGER PRIMARY KEY AUTOINCREMENT,
            notification_id TEXT NOT NULL UNIQUE,
            user_id TEXT NOT NULL,
            basket_id TEXT NOT NULL,
            attempt INTEGER NOT NULL,
            status TEXT NOT NULL,
            amount INTEGER NOT NULL,
            reason TEXT,
            at INTEGER NOT NULL,
            recorded_at INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS notifications_by_user ON notifications (user_id, sequence);
        """;
}
