namespace BillingFunctions.Server.Storage;

/// <summary>
/// The database or the commit log could not be opened or written at start: another process holds a lock on the
/// database, a file is read-only, the disk is full. Nothing acknowledged is lost by a start that fails here: the
/// records the database does not hold yet stay in the commit log, and the next start replays them.
/// </summary>
public sealed class StorageOpenFailedException(string databasePath, string logDirectory, Exception reason)
    : Exception($"Could not open the store at {databasePath} (commit log in {logDirectory}): {reason.Message} "
        + "Acknowledged writes are safe in the commit log and are replayed at the next start. If another process holds the "
        + "database open (a backup, an sqlite3 shell), let it finish; otherwise check the files' permissions and free disk space, "
        + "then start again.", reason)
{
    /// <summary>The server's exit code: EX_TEMPFAIL of sysexits.h, "try again later" (once the cause is cleared).</summary>
    public const int ExitCode = 75;
}
