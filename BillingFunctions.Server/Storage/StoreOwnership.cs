using Microsoft.Data.Sqlite;

namespace BillingFunctions.Server.Storage;

/// <summary>
/// The database's own record of which process owns it, the backstop for a file system that does not honour
/// <see cref="DataDirectoryLock"/> (some network file systems, or file locking switched off in the runtime).
/// <para>
/// A store claims the one <c>owner</c> row with a fresh instance id when it opens, before anything reads state, and
/// every commit checks the row inside its own transaction. The transaction begins IMMEDIATE, so it holds the write
/// lock from the check to the commit and no claim can slip in between. So once a second process has claimed the
/// database, the first can never commit again, and the second has read state only after the first's last commit.
/// </para>
/// </summary>
internal sealed class StoreOwnership : IDisposable
{
    private readonly SqliteCommand _check;
    private OwnershipLostException? _lost;

    /// <summary>Claims the database for this instance on the writer connection.</summary>
    public StoreOwnership(SqliteConnection writer)
    {
        Instance = Guid.NewGuid().ToString("N");
        using (var claim = writer.CreateCommand())
        {
            claim.CommandText = """
                INSERT INTO owner VALUES (1, $instance, $process, $host, $at)
                ON CONFLICT (id) DO UPDATE SET instance = excluded.instance, process_id = excluded.process_id,
                    host = excluded.host, claimed_at = excluded.claimed_at
                """;
            claim.Parameters.AddWithValue("$instance", Instance);
            claim.Parameters.AddWithValue("$process", Environment.ProcessId);
            claim.Parameters.AddWithValue("$host", Environment.MachineName);
            claim.Parameters.AddWithValue("$at", DateTime.UtcNow.Ticks);
            claim.ExecuteNonQuery();
        }
        _check = CheckOn(writer);
    }

    /// <summary>This store's instance id, as the <c>owner</c> row holds it while this store owns the database.</summary>
    public string Instance { get; }

    /// <summary>Set once a commit found another owner; from then on every commit is refused without touching the database.</summary>
    public OwnershipLostException? Lost => Volatile.Read(ref _lost);

    /// <summary>
    /// Inside a commit's transaction, before it writes: throws <see cref="OwnershipLostException"/> unless this
    /// instance still owns the database. One indexed single-row read on the writer's connection.
    /// </summary>
    public void Confirm(SqliteTransaction transaction)
    {
        _check.Transaction = transaction;
        Confirm(_check);
    }

    /// <summary>A check to run on another connection of this store (see <see cref="Confirm(SqliteCommand)"/>).</summary>
    public static SqliteCommand CheckOn(SqliteConnection connection)
    {
        var check = connection.CreateCommand();
        check.CommandText = "SELECT instance, process_id, host, claimed_at FROM owner WHERE id = 1";
        check.Prepare();
        return check;
    }

    /// <summary>
    /// Throws <see cref="OwnershipLostException"/> unless the owner row, as <paramref name="check"/> reads it, names this
    /// instance. Outside a write transaction this is a read: a claim can still come between it and what follows.
    /// </summary>
    public void Confirm(SqliteCommand check)
    {
        if (Lost is { } lost)
            throw new OwnershipLostException(lost.Message, lost);
        using var reader = check.ExecuteReader();
        string claimant;
        if (!reader.Read())
            claimant = "The database's owner record was removed";
        else if (reader.GetString(0) == Instance)
            return;
        else
            claimant = $"Process {reader.GetInt64(1)} on {reader.GetString(2)} claimed the database at "
                + $"{new DateTime(reader.GetInt64(3), DateTimeKind.Utc):O}";
        var error = new OwnershipLostException(
            $"{claimant}; this process ({Environment.ProcessId}, instance {Instance}) no longer owns it and refuses every write from now on.");
        Volatile.Write(ref _lost, error);
        throw error;
    }

    public void Dispose() => _check.Dispose();
}

/// <summary>Another process has claimed the database; this one must not write to it again (HTTP 503).</summary>
public sealed class OwnershipLostException(string message, Exception? inner = null) : Exception(message, inner);
