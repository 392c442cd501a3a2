using System.Collections.Immutable;
using System.Text.Json;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using Microsoft.Data.Sqlite;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Server.Storage;

/// <summary>
/// The embedded store: one SQLite file in WAL mode. One writer connection, owned by the engine's writer
/// loop, commits whole batches; reads open their own pooled connections and never block the writer.
/// </summary>
public sealed partial class SqliteStore : IDisposable
{
    private readonly string _connectionString;
    private readonly SqliteConnection _writer;
    // The writer's statements, parsed once and re-bound per use: parsing SQL per operation costs more than running it.
    private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);
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
    public SqliteStore(string dataDirectory, bool synchronousFull = true, int busyTimeoutSeconds = 5)
        : this(DataDirectoryLock.Acquire(dataDirectory), synchronousFull, busyTimeoutSeconds, WalCheckpoints.BackgroundInterval)
    {
    }

    /// <summary>Opens the database in a directory whose lock the caller has taken; the store releases it on dispose.</summary>
    public SqliteStore(DataDirectoryLock directory, bool synchronousFull = true, int busyTimeoutSeconds = 5)
        : this(directory, synchronousFull, busyTimeoutSeconds, WalCheckpoints.BackgroundInterval)
    {
    }

    /// <param name="backgroundCheckpoints">How often the background thread checkpoints; null: never (only the writer does).</param>
    internal SqliteStore(string dataDirectory, bool synchronousFull, int busyTimeoutSeconds, TimeSpan? backgroundCheckpoints)
        : this(DataDirectoryLock.Acquire(dataDirectory), synchronousFull, busyTimeoutSeconds, backgroundCheckpoints)
    {
    }

    private SqliteStore(DataDirectoryLock directory, bool synchronousFull, int busyTimeoutSeconds, TimeSpan? backgroundCheckpoints)
    {
        DirectoryLock = directory;
        Path = System.IO.Path.Combine(directory.Directory, "billing.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Pooling = true, DefaultTimeout = busyTimeoutSeconds }.ToString();
        _writer = new SqliteConnection(_connectionString);
        try
        {
            _writer.Open();
            // FULL: a commit is on disk before the operation is acknowledged; group commit pays the fsync once per batch.
            Execute(_writer, $"PRAGMA journal_mode=WAL; PRAGMA synchronous={(synchronousFull ? "FULL" : "NORMAL")}; PRAGMA busy_timeout={busyTimeoutSeconds * 1000};"
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
        }
        catch
        {
            SqliteConnection.ClearPool(_writer);
            _writer.Dispose();
            directory.Dispose();
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
        using var command = _writer.CreateCommand();
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
        using var command = _writer.CreateCommand();
        command.CommandText = $"{DeliverySelect} WHERE status = 'pending'";
        return ReadDeliveries(command);
    }

    /// <summary>
    /// Writes a batch atomically. Throws if SQLite refuses, or <see cref="OwnershipLostException"/> if another process
    /// has claimed the database; then nothing of the batch is stored.
    /// </summary>
    internal void Commit(CommitBatch batch)
    {
        if (batch.IsEmpty)
            return;
        // BEGIN IMMEDIATE (Microsoft.Data.Sqlite's default): the write lock is held from the owner check to the commit.
        using var transaction = _writer.BeginTransaction();
        _ownership.Confirm(transaction);
        foreach (var account in batch.Accounts.Values)
            _upsertAccount.Bind(1, account.AccountId).Bind(2, account.Currency).Bind(3, account.CutoffUrl)
                .Bind(4, (long?)account.LowBalanceWarningSeconds).Bind(5, account.Balance.Units).Bind(6, account.Rate.PicoPerSecond)
                .Bind(7, account.Carry).Bind(8, account.SettledAt).Bind(9, (int)account.Status).Bind(10, account.Episode)
                .Bind(11, account.LowBalanceWarned ? 1 : 0).Bind(12, account.UnreportedConsumption.Units)
                .Bind(13, FormatActiveHolds(account.Holds)).Bind(14, account.Version).Run();
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
        foreach (var prune in batch.IdempotencyPrunes)
            prune.Deleted = Prepared(transaction, PruneIdempotency, ("$expired", prune.LatestExpired), ("$chunk", prune.ChunkRows)).ExecuteNonQuery();
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
        transaction.Commit();
        _checkpoints.AfterCommit();
    }

    /// <summary>
    /// Looks up an operation id on the writer's connection, so it sees every committed batch. The row may have expired
    /// and not be pruned yet: the caller decides by its recorded instant.
    /// </summary>
    internal IdempotencyRecord? FindIdempotency(string key)
    {
        var command = Prepared(null, "SELECT fingerprint, status, body, created_at FROM idempotency WHERE key = $key", ("$key", key));
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

    internal Hold? FindHold(string accountId, string holdId)
    {
        var command = Prepared(null, $"{HoldSelect} WHERE account_id = $account AND hold_id = $hold", ("$account", accountId), ("$hold", holdId));
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
        foreach (var command in _prepared.Values)
            command.Dispose();
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
    private const string PruneIdempotency = """
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

    /// <summary>A cached statement on the writer connection, bound to these values. Writer thread only.</summary>
    private SqliteCommand Prepared(SqliteTransaction? transaction, string sql, params (string Name, object? Value)[] parameters)
    {
        if (!_prepared.TryGetValue(sql, out var command))
        {
            command = _writer.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, _) in parameters)
                command.Parameters.Add(new SqliteParameter { ParameterName = name });
            _prepared[sql] = command;
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
