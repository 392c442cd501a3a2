using System.Collections.Immutable;
using System.Text.Json;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using Microsoft.Data.Sqlite;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Server.Storage.Log;
using Microsoft.Extensions.Logging.Abstractions;

namespace BillingFunctions.Server.Storage;

/// <summary>
/// The embedded store: a commit log (see <see cref="CommitLog"/>) and one SQLite file in WAL mode that is the log's
/// projection. The engine's writer appends each batch to the log and acknowledges it once flushed; the projection
/// thread writes the log into SQLite behind it, on the store's writer connection. The engine's lookups by key read an
/// overlay of what is not projected yet, then SQLite on a connection of their own; reads for callers open pooled
/// connections, after waiting for the projection to reach what was acknowledged (see <see cref="CaughtUp"/>).
/// </summary>
public sealed partial class SqliteStore : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    // Statements parsed once and re-bound per use (parsing SQL per operation costs more than running it): the
    // projection's on the writer connection, and the engine writer's lookups on their own connection.
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
    private readonly SqliteConnection _lookups;
    private readonly Dictionary<string, SqliteCommand> _preparedLookups = new(StringComparer.Ordinal);
    private readonly SqliteCommand _lookupOwnerCheck;
    private readonly CommitLog _log;
    private readonly UnprojectedOverlay _overlay = new();
    private readonly Projection _projection;
    private readonly RecordWriter _encoder = new();
    private readonly TimeSpan _readWait;
    // The three statements every write runs, through SQLite's C API (see RawStatement for why).
    private readonly RawStatement _upsertAccount, _insertEvent, _insertIdempotency;
    private readonly WalCheckpoints _checkpoints;
    private readonly StoreOwnership _ownership;

    /// <summary>Takes the data directory's lock (see <see cref="DataDirectoryLock"/>), then opens the database in it.</summary>
    /// <param name="busyTimeoutSeconds">
    /// How long a statement waits for a lock held by another process before the batch fails (503). Both SQLite's
    /// busy timeout and Microsoft.Data.Sqlite's own retry loop (the command timeout, else 30 s) are set to it.
    /// </param>
    /// <exception cref="DataDirectoryInUseException">Another process owns the directory.</exception>
    /// <exception cref="SchemaTooNewException">A newer server wrote the database; it is left as it is.</exception>
    /// <exception cref="StorageOpenFailedException">SQLite or the commit log refused to open or to replay (locked, read-only, full).</exception>
    /// <param name="flushLog">Flush (fsync) the commit log on every batch before it is acknowledged; off, an acknowledged write survives a process crash but not a power loss.</param>
    /// <param name="logDirectory">Where the commit log lives; null: <c>log</c> in the data directory.</param>
    public SqliteStore(string dataDirectory, bool flushLog = true, int busyTimeoutSeconds = 5, string? logDirectory = null, ILogger? logger = null)
        : this(DataDirectoryLock.Acquire(dataDirectory), flushLog, busyTimeoutSeconds, WalCheckpoints.BackgroundInterval, logDirectory, logger)
    {
    }

    /// <summary>Opens the database in a directory whose lock the caller has taken; the store releases it on dispose.</summary>
    public SqliteStore(DataDirectoryLock directory, bool flushLog = true, int busyTimeoutSeconds = 5, string? logDirectory = null, ILogger? logger = null)
        : this(directory, flushLog, busyTimeoutSeconds, WalCheckpoints.BackgroundInterval, logDirectory, logger)
    {
    }

    /// <param name="backgroundCheckpoints">How often the background thread checkpoints; null: never (only the writer does).</param>
    internal SqliteStore(string dataDirectory, bool flushLog, int busyTimeoutSeconds, TimeSpan? backgroundCheckpoints)
        : this(DataDirectoryLock.Acquire(dataDirectory), flushLog, busyTimeoutSeconds, backgroundCheckpoints, null, null)
    {
    }

    private SqliteStore(DataDirectoryLock directory, bool flushLog, int busyTimeoutSeconds, TimeSpan? backgroundCheckpoints,
        string? logDirectory, ILogger? logger)
    {
        logger ??= NullLogger.Instance;
        DirectoryLock = directory;
        Path = System.IO.Path.Combine(directory.Directory, "billing.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = busyTimeoutSeconds }.ToString();
        _readWait = TimeSpan.FromSeconds(Math.Max(1, busyTimeoutSeconds));
        _writer = new SqliteConnection(_connectionString);
        _lookups = new SqliteConnection(_connectionString);
        var logPath = logDirectory ?? System.IO.Path.Combine(directory.Directory, "log");
        try
        {
            _writer.Open();
            // NORMAL: the commit log makes a write durable, not SQLite; the projection flushes SQLite before the log is
            // truncated (see FlushProjection).
            Execute(_writer, $"PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout={busyTimeoutSeconds * 1000};"
                // Inserts into the event and idempotency indexes touch pages all over them: keep those pages in memory (64 MiB).
                + " PRAGMA cache_size=-65536;");
            SchemaMigrations.Apply(_writer, Path);
            // Before anything reads state: whatever this store loads was committed by an earlier owner, never by one that is still writing.
            _ownership = new StoreOwnership(_writer);
            _upsertAccount = new RawStatement(_writer, """
                INSERT INTO accounts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                ON CONFLICT (account_id) DO UPDATE SET balance = excluded.balance, rate = excluded.rate, carry = excluded.carry,
                    settled_at = excluded.settled_at, status = excluded.status, episode = excluded.episode,
                    low_balance_warned = excluded.low_balance_warned, unreported_consumption = excluded.unreported_consumption,
                    active_holds = excluded.active_holds, version = excluded.version
                """);
            _insertEvent = new RawStatement(_writer, EventRows.Insert);
            _insertIdempotency = new RawStatement(_writer, InsertIdempotency);
            _checkpoints = new WalCheckpoints(_writer, _connectionString, backgroundCheckpoints);
            _lookups.Open();
            _lookupOwnerCheck = StoreOwnership.CheckOn(_lookups);
            var projected = ProjectedPosition();
            _log = new CommitLog(logPath, projected, flushLog);
            projected = ReplayLog(projected, logger);
            _projection = new Projection(this, _log, _overlay, projected, logger);
        }
        catch (Exception error)
        {
            _log?.Dispose();
            _lookups.Dispose();
            SqliteConnection.ClearPool(_writer);
            _writer.Dispose();
            directory.Dispose();
            // What SQLite or RocksDB refused (a lock, a read-only file, a full disk) is named as such, not as a crash.
            if (error is SqliteException or RocksDbSharp.RocksDbException)
                throw new StorageOpenFailedException(Path, logPath, error);
            throw;
        }
    }

    /// <summary>The lock this store holds on its data directory (released when the store is disposed).</summary>
    public DataDirectoryLock DirectoryLock { get; }

    /// <summary>This store's claim on the database; lost when another process claims it.</summary>
    internal StoreOwnership Ownership => _ownership;

    /// <summary>How the write-ahead log is being copied into the database file (for health).</summary>
    public CheckpointStats CheckpointStats => _checkpoints.Stats;

    public string Path { get; }

    public IReadOnlyList<AccountState> LoadAccounts()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT account_id, currency, cutoff_url, low_balance_warning_seconds, balance, rate, carry, settled_at,
                   status, episode, low_balance_warned, unreported_consumption, active_holds, version FROM accounts
            """;
        using var reader = command.ExecuteReader();
        var accounts = new List<AccountState>();
        // Currencies and cut-off URLs repeat across accounts: one string each, not one per account in memory.
        var shared = new Dictionary<string, string>(StringComparer.Ordinal);
        string Shared(string text) => shared.TryGetValue(text, out var known) ? known : shared[text] = text;
        while (reader.Read())
        {
            accounts.Add(new AccountState(
                reader.GetString(0), Shared(reader.GetString(1)), reader.IsDBNull(2) ? null : Shared(reader.GetString(2)),
                reader.IsDBNull(3) ? null : reader.GetInt32(3), new Money(reader.GetInt64(4)), new Rate(reader.GetInt64(5)),
                reader.GetInt64(6), reader.GetInt64(7), (AccountStatus)reader.GetInt32(8), reader.GetInt32(9),
                reader.GetInt64(10) != 0, new Money(reader.GetInt64(11)), ParseActiveHolds(reader.GetString(12)), reader.GetInt64(13)));
        }
        return accounts;
    }

    public IReadOnlyList<CutoffDelivery> LoadPendingDeliveries()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"{DeliverySelect} WHERE status = 'pending'";
        return ReadDeliveries(command);
    }

    /// <summary>
    /// Writes one batch straight into SQLite, without the log: for filling a database before an engine runs on it
    /// (the projection owns the writer connection once the engine writes). Throws if SQLite refuses.
    /// </summary>
    internal void Commit(CommitBatch batch)
    {
        if (batch.IsEmpty)
            return;
        using var transaction = _writer.BeginTransaction();
        _ownership.Confirm(transaction);
        WriteRows(transaction, batch);
        transaction.Commit();
        _checkpoints.AfterCommit();
    }

    /// <summary>
    /// Projection thread: writes logged batches and the last one's position in one transaction. Throws if SQLite refuses,
    /// or <see cref="OwnershipLostException"/> if another process has claimed the database; then nothing of them is stored.
    /// </summary>
    internal void Apply(IReadOnlyList<LoggedBatch> batches)
    {
        // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): the write lock is held from the owner check to the commit.
        using var transaction = _writer.BeginTransaction();
        _ownership.Confirm(transaction);
        // An account written by many batches of the transaction is upserted once, in its latest state: the rows in
        // between would be overwritten inside the same transaction anyway, and the upsert is a third of a write's cost.
        var accounts = new Dictionary<string, AccountState>(StringComparer.Ordinal);
        foreach (var logged in batches)
        {
            foreach (var (accountId, state) in logged.Batch.Accounts)
                accounts[accountId] = state;
            WriteRowsButAccounts(transaction, logged.Batch);
        }
        foreach (var account in accounts.Values)
            UpsertAccount(account);
        Prepared(transaction, "UPDATE projection SET log_position = $position WHERE id = 1", ("$position", batches[^1].Position)).ExecuteNonQuery();
        transaction.Commit();
        _checkpoints.AfterCommit();
    }

    private void WriteRows(SqliteTransaction transaction, CommitBatch batch)
    {
        foreach (var account in batch.Accounts.Values)
            UpsertAccount(account);
        WriteRowsButAccounts(transaction, batch);
    }

    private void UpsertAccount(AccountState account) =>
        _upsertAccount.Bind(1, account.AccountId).Bind(2, account.Currency).Bind(3, account.CutoffUrl)
            .Bind(4, (long?)account.LowBalanceWarningSeconds).Bind(5, account.Balance.Units).Bind(6, account.Rate.PicoPerSecond)
            .Bind(7, account.Carry).Bind(8, account.SettledAt).Bind(9, (int)account.Status).Bind(10, account.Episode)
            .Bind(11, account.LowBalanceWarned ? 1 : 0).Bind(12, account.UnreportedConsumption.Units)
            .Bind(13, FormatActiveHolds(account.Holds)).Bind(14, account.Version).Run();

    private void WriteRowsButAccounts(SqliteTransaction transaction, CommitBatch batch)
    {
        foreach (var (accountId, hold) in batch.Holds)
            Run(transaction, """
                INSERT INTO holds VALUES ($account, $hold, $amount, $captured, $status, $placed, $expires)
                ON CONFLICT (account_id, hold_id) DO UPDATE SET captured = excluded.captured, status = excluded.status
                """,
                ("$account", accountId), ("$hold", hold.HoldId), ("$amount", hold.Amount.Units), ("$captured", hold.Captured.Units),
                ("$status", HoldStatusName(hold.Status)), ("$placed", hold.PlacedAt), ("$expires", hold.ExpiresAt));
        foreach (var (eventId, e) in batch.Events)
            EventRows.Write(_insertEvent, eventId, e);
        foreach (var record in batch.IdempotencyRecords)
            _insertIdempotency.Bind(1, record.Key).Bind(2, record.Fingerprint).Bind(3, record.Status).Bind(4, record.Body)
                .Bind(5, record.RecordedAt).Run();
        foreach (var d in batch.Deliveries)
            Run(transaction, """
                INSERT INTO cutoff_deliveries VALUES ($id, $account, $url, $episode, $depleted, $created, $status, $attempts, $next, $error, $delivered)
                ON CONFLICT (event_id) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                    next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error, delivered_at = excluded.delivered_at
                WHERE cutoff_deliveries.status = 'pending' AND excluded.attempts >= cutoff_deliveries.attempts
                """,
                ("$id", d.EventId), ("$account", d.AccountId), ("$url", d.Url), ("$episode", d.Episode), ("$depleted", d.DepletedAt),
                ("$created", d.CreatedAt), ("$status", d.Status.ToString().ToLowerInvariant()), ("$attempts", d.Attempts),
                ("$next", d.NextAttemptAt), ("$error", d.LastError), ("$delivered", d.DeliveredAt));
        CommitOrders(transaction, batch);
    }

    /// <summary>
    /// Engine writer: the answer kept for an operation id in the log, whether projected yet or not. The row may have
    /// expired and not be pruned yet: the caller decides by its recorded instant.
    /// </summary>
    internal IdempotencyRecord? FindIdempotency(string key)
    {
        if (_overlay.TryGetAnswer(key, out var unprojected))
            return unprojected;
        var command = PreparedLookup("SELECT fingerprint, status, body, created_at FROM idempotency WHERE key = $key", ("$key", key));
        using var reader = command.ExecuteReader();
        return reader.Read() ? new IdempotencyRecord(key, reader.GetString(0), reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3)) : null;
    }

    /// <summary>Every stored operation id, streamed from one snapshot on a reader connection (never blocks the writer).</summary>
    internal IEnumerable<string> ReadIdempotencyKeys()
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT key FROM idempotency";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            yield return reader.GetString(0);
    }

    /// <summary>Engine writer: a hold as the log has it, projected or not.</summary>
    internal Hold? FindHold(string accountId, string holdId)
    {
        if (_overlay.TryGetHold(accountId, holdId, out var unprojected))
            return unprojected;
        var command = PreparedLookup($"{HoldSelect} WHERE account_id = $account AND hold_id = $hold", ("$account", accountId), ("$hold", holdId));
        return ReadHoldRows(command).FirstOrDefault();
    }

    public IReadOnlyList<Hold> ReadHolds(string accountId)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"{HoldSelect} WHERE account_id = $account ORDER BY placed_at, hold_id";
        command.Parameters.AddWithValue("$account", accountId);
        return ReadHoldRows(command);
    }

    /// <summary>Events after a sequence number, in commit order; optionally only one account's (its ledger).</summary>
    public IReadOnlyList<StoredEvent> ReadEvents(long after, int limit, string? accountId = null)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT {EventRows.Columns}
            FROM events WHERE sequence > $after {(accountId is null ? "" : "AND account_id = $account")}
            ORDER BY sequence LIMIT $limit
            """;
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$limit", limit);
        if (accountId is not null)
            command.Parameters.AddWithValue("$account", accountId);
        using var reader = command.ExecuteReader();
        var events = new List<StoredEvent>();
        while (reader.Read())
            events.Add(EventRows.Read(reader));
        return events;
    }

    public IReadOnlyList<CutoffDelivery> ReadDeliveries(string? accountId, int limit)
    {
        using var connection = OpenReader();
        using var command = connection.CreateCommand();
        command.CommandText = $"{DeliverySelect} {(accountId is null ? "" : "WHERE account_id = $account")} ORDER BY created_at DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit);
        if (accountId is not null)
            command.Parameters.AddWithValue("$account", accountId);
        return ReadDeliveries(command);
    }

    public void Dispose()
    {
        // First: it finishes writing what it was handed, while the connections are still open.
        _projection.Dispose();
        _log.Dispose();
        foreach (var command in _prepared.Values.Concat(_preparedLookups.Values))
            command.Dispose();
        _lookupOwnerCheck.Dispose();
        _lookups.Dispose();
        _upsertAccount.Dispose();
        _insertEvent.Dispose();
        _insertIdempotency.Dispose();
        _checkpoints.Dispose();
        _ownership.Dispose();
        // Pooled reader connections close too, so nothing of this store has the database open once the lock is released.
        SqliteConnection.ClearPool(_writer);
        _writer.Dispose();
        DirectoryLock.Dispose();
    }

    /// <summary>
    /// A new answer. An id is only recorded when no answer kept for it exists, so a row already there has expired (and
    /// is not pruned yet): it is replaced, under a new rowid, which keeps rowid order the order answers were recorded in.
    /// </summary>
    private const string InsertIdempotency = "INSERT OR REPLACE INTO idempotency VALUES (?1, ?2, ?3, ?4, ?5)";

    /// <summary>
    /// Deletes the expired rows among the oldest <c>$chunk</c>, by rowid: rows are appended as the writer records them,
    /// with its never-decreasing clock, so the oldest answers come first and no index on <c>created_at</c> is needed (it
    /// would cost every write). Reading at most one chunk bounds the time this adds to a batch even when nothing has
    /// expired. Should a host clock stepped back between runs put newer instants behind older ones, those rows wait until
    /// the ones before them expire; an expired row is never replayed meanwhile, as every read checks its instant.
    /// </summary>
    private const string PruneIdempotencySql = """
        DELETE FROM idempotency WHERE rowid IN (
            SELECT rowid FROM (SELECT rowid, created_at FROM idempotency ORDER BY rowid LIMIT $chunk) WHERE created_at <= $expired)
        """;

    private const string HoldSelect = "SELECT hold_id, amount, captured, status, placed_at, expires_at FROM holds";

    private const string DeliverySelect = """
        SELECT event_id, account_id, url, episode, depleted_at, created_at, status, attempts, next_attempt_at, last_error, delivered_at
        FROM cutoff_deliveries
        """;

    private SqliteConnection OpenReader()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static List<Hold> ReadHoldRows(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var holds = new List<Hold>();
        while (reader.Read())
            holds.Add(new Hold(reader.GetString(0), new Money(reader.GetInt64(1)), reader.GetInt64(4),
                reader.IsDBNull(5) ? null : reader.GetInt64(5), Enum.Parse<HoldStatus>(reader.GetString(3), ignoreCase: true),
                new Money(reader.GetInt64(2))));
        return holds;
    }

    private static List<CutoffDelivery> ReadDeliveries(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var deliveries = new List<CutoffDelivery>();
        while (reader.Read())
            deliveries.Add(new CutoffDelivery(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.GetInt64(4), reader.GetInt64(5), Enum.Parse<DeliveryStatus>(reader.GetString(6), ignoreCase: true),
                reader.GetInt32(7), reader.GetInt64(8), reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.IsDBNull(10) ? null : reader.GetInt64(10)));
        return deliveries;
    }

    private static string HoldStatusName(HoldStatus status) => status.ToString().ToLowerInvariant();

    private sealed record ActiveHold(string Id, long Amount, long PlacedAt, long? ExpiresAt);

    private static string FormatActiveHolds(ImmutableSortedDictionary<string, Hold> holds) =>
        holds.Count == 0 ? "[]" : JsonSerializer.Serialize(holds.Values.Select(h => new ActiveHold(h.HoldId, h.Amount.Units, h.PlacedAt, h.ExpiresAt)));

    private static ImmutableSortedDictionary<string, Hold> ParseActiveHolds(string json)
    {
        if (json == "[]")
            return AccountState.NoHolds;
        return JsonSerializer.Deserialize<List<ActiveHold>>(json)!
            .ToImmutableSortedDictionary(h => h.Id, h => new Hold(h.Id, new Money(h.Amount), h.PlacedAt, h.ExpiresAt), StringComparer.Ordinal);
    }

    private void Run(SqliteTransaction transaction, string sql, params (string Name, object? Value)[] parameters) =>
        Prepared(transaction, sql, parameters).ExecuteNonQuery();

    /// <summary>A cached statement on the writer connection, bound to these values. Projection thread only.</summary>
    private SqliteCommand Prepared(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters) =>
        Prepare(_writer, _prepared, transaction, sql, parameters);

    private static SqliteCommand Prepare(SqliteConnection connection, Dictionary<string, SqliteCommand> cache, SqliteTransaction? transaction,
        string sql, (string Name, object? Value)[] parameters)
    {
        if (!cache.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters)
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            cache[sql] = command;
        }
        command.Transaction = transaction;
        foreach (var (name, value) in parameters)
            command.Parameters[name].Value = value ?? DBNull.Value;
        return command;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
