using Microsoft.Data.Sqlite;

namespace BillingFunctions.Server.Storage;

/// <summary>
/// The database file's schema version, kept in SQLite's <c>PRAGMA user_version</c>, and the ordered steps that bring
/// a file up to the version this server writes. A shipped step is never edited or reordered: a change to the schema
/// is a new step at the end.
/// </summary>
internal static class SchemaMigrations
{
    /// <summary>Step <c>i</c> takes a file from version <c>i</c> to version <c>i + 1</c>.</summary>
    private static readonly string[] Steps =
    [
        // 1: the tables as they were when versioning began. IF NOT EXISTS on purpose: files written before then are at
        // version 0 with some or all of these tables already in them, and this step adopts them as they are.
        Schema.Create + Schema.CreateOrders,
        // 2: hold.placed events keep the hold's expiry, so the events alone tell how an account's holds stand. Events
        // stored before take it from the hold's row when that row is this placement's (same instant). A hold id placed
        // again after it ended keeps its first placement's row, so the later placement's expiry stays unknown (null).
        """
        ALTER TABLE events ADD COLUMN hold_expires_at INTEGER;
        UPDATE events SET hold_expires_at = (
            SELECT h.expires_at FROM holds h
            WHERE h.account_id = events.account_id AND h.hold_id = events.hold_id AND h.placed_at = events.at)
        WHERE type = 'hold.placed';
        """,
        // 3: baskets and notifications name the account as the rest of the schema does, account_id (it was user_id, the
        // platform's word in its order API, which keeps it on the wire). Renaming keeps every row and the column order;
        // the indexes follow the column by themselves but are recreated so their names say account too.
        """
        ALTER TABLE baskets RENAME COLUMN user_id TO account_id;
        DROP INDEX IF EXISTS baskets_unpaid_by_user;
        CREATE INDEX baskets_unpaid_by_account ON baskets (account_id, opened_at) WHERE status <> 'paid';
        ALTER TABLE notifications RENAME COLUMN user_id TO account_id;
        DROP INDEX IF EXISTS notifications_by_user;
        CREATE INDEX notifications_by_account ON notifications (account_id, sequence);
        """,
        // 4: the database became the projection of the commit log: the one row says up to which log position it holds
        // every committed batch, written in the same transaction as those batches. A file from before starts at -1 (it
        // holds everything its server committed, and its log is new and empty).
        """
        CREATE TABLE projection (id INTEGER PRIMARY KEY CHECK (id = 1), log_position INTEGER NOT NULL);
        INSERT INTO projection VALUES (1, -1);
        """,
    ];

    /// <summary>The version this server writes.</summary>
    public static int Latest => Steps.Length;

    /// <summary>
    /// Applies every step the file lacks and records the new version, all in one transaction: a crash midway leaves
    /// the file at its old version, and the next start applies the steps again from there.
    /// </summary>
    /// <exception cref="SchemaTooNewException">The file was written by a newer server; it is left untouched.</exception>
    public static void Apply(SqliteConnection connection, string path)
    {
        // Immediate (not deferred): takes the write lock before reading the version, so no other connection can
        // migrate the same file between the read and the writes.
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = Version(connection);
        if (version > Latest)
            throw new SchemaTooNewException(path, version, Latest);
        if (version == Latest)
            return;
        for (var step = version; step < Latest; step++)
            Execute(connection, Steps[step]);
        // The version lives in the file header, which SQLite writes in the same transaction as the steps.
        Execute(connection, $"PRAGMA user_version = {Latest}");
        transaction.Commit();
    }

    public static long Version(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA user_version";
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}

/// <summary>The database file has a schema version newer than this server knows: a newer release wrote it.</summary>
public sealed class SchemaTooNewException(string path, long version, int latest)
    : Exception($"{path} has schema version {version}, but this server knows versions up to {latest}: a newer release of the "
        + "server wrote it. Run that release or a newer one on it; this one never downgrades a database.")
{
    /// <summary>The server's exit code when refused: EX_DATAERR of sysexits.h.</summary>
    public const int ExitCode = 65;

    public long Version => version;
}
