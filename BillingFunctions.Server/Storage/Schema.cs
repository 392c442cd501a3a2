namespace BillingFunctions.Server.Storage;

/// <summary>
/// The SQLite schema as version 1 created it: step 1 of <see cref="SchemaMigrations"/>, never edited; later steps change
/// it. Amounts are integers (micro-units, pico-units/s), instants are UTC ticks.
/// </summary>
internal static partial class Schema
{
    public const string Create = """
        CREATE TABLE IF NOT EXISTS accounts (
            account_id TEXT PRIMARY KEY,
            currency TEXT NOT NULL,
            cutoff_url TEXT,
            low_balance_warning_seconds INTEGER,
            balance INTEGER NOT NULL,
            rate INTEGER NOT NULL,
            carry INTEGER NOT NULL,
            settled_at INTEGER NOT NULL,
            status INTEGER NOT NULL,
            episode INTEGER NOT NULL,
            low_balance_warned INTEGER NOT NULL,
            unreported_consumption INTEGER NOT NULL,
            active_holds TEXT NOT NULL,
            version INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS holds (
            account_id TEXT NOT NULL,
            hold_id TEXT NOT NULL,
            amount INTEGER NOT NULL,
            captured INTEGER NOT NULL,
            status TEXT NOT NULL,
            placed_at INTEGER NOT NULL,
            expires_at INTEGER,
            PRIMARY KEY (account_id, hold_id)
        );
        CREATE TABLE IF NOT EXISTS events (
            sequence INTEGER PRIMARY KEY,
            event_id TEXT NOT NULL UNIQUE,
            type TEXT NOT NULL,
            account_id TEXT NOT NULL,
            operation_id TEXT,
            at INTEGER NOT NULL,
            amount INTEGER NOT NULL,
            delta INTEGER NOT NULL,
            consumed INTEGER NOT NULL,
            balance_before INTEGER NOT NULL,
            balance_after INTEGER NOT NULL,
            held_after INTEGER NOT NULL,
            episode INTEGER NOT NULL,
            hold_id TEXT,
            counterparty TEXT,
            rate INTEGER
        );
        CREATE INDEX IF NOT EXISTS events_by_account ON events (account_id, sequence);
        CREATE TABLE IF NOT EXISTS idempotency (
            key TEXT PRIMARY KEY,
            fingerprint TEXT NOT NULL,
            status INTEGER NOT NULL,
            body TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS cutoff_deliveries (
            event_id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL,
            url TEXT NOT NULL,
            episode INTEGER NOT NULL,
            depleted_at INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            status TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            delivered_at INTEGER
        );
        CREATE INDEX IF NOT EXISTS cutoff_deliveries_pending ON cutoff_deliveries (status) WHERE status = 'pending';
        CREATE TABLE IF NOT EXISTS owner (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            instance TEXT NOT NULL,
            process_id INTEGER NOT NULL,
            host TEXT NOT NULL,
            claimed_at INTEGER NOT NULL
        );
        """;
}
