using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace BillingFunctions.Server.Storage;

/// <summary>
/// Copies committed pages from the write-ahead log into the database file, mostly off the writer's thread.
/// <para>
/// By default SQLite does this inside a commit once the log passes 1,000 pages, so the single writer paid for it:
/// moving it here raised the engine bench from 15.0k to 20.6k durable writes/s (default sizes, medians of 3 runs
/// interleaved with the old build on the same machine). Durability does not depend on it:
/// a commit is durable once its log frames are synced (synchronous=FULL), and a crash mid-checkpoint is recovered
/// from the log at the next open.
/// </para>
/// <para>
/// A background thread checkpoints every <see cref="BackgroundInterval"/> on its own connection (PASSIVE: it never
/// waits for, or blocks, the writer or readers). SQLite rewinds the log only when a write begins after a checkpoint
/// has caught up with every frame, which a background checkpoint racing a busy writer never sees (measured: the log
/// grew past 1 GB in 20 s). So the writer itself also checkpoints once per <see cref="WriterInterval"/>, between
/// batches, while the background one is idle: little is left to copy by then, and its next batch rewinds the log,
/// which <c>journal_size_limit</c> then trims. Failures (disk full, read-only, a lock held elsewhere) are counted and
/// retried; they never fail a commit.
/// </para>
/// </summary>
internal sealed class WalCheckpoints : IDisposable
{
    public static readonly TimeSpan BackgroundInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan WriterInterval = TimeSpan.FromSeconds(1);
    private const long LogSizeLimitBytes = 64L << 20;

    private readonly SqliteConnection _writer;
    private readonly SqliteConnection? _background;
    private readonly Thread? _thread;
    private readonly TimeSpan _backgroundInterval;
    private readonly CancellationTokenSource _stop = new();
    private readonly object _gate = new(); // one checkpoint at a time: the writer's must not find the background's running
    private long _nextWriterCheckpoint;
    private long _completed, _failed, _logFrames;
    private string? _lastError;

    /// <param name="backgroundInterval">How often the background thread checkpoints; null: no thread, only the writer's checkpoints.</param>
    public WalCheckpoints(SqliteConnection writer, string connectionString, TimeSpan? backgroundInterval)
    {
        _writer = writer;
        using (var command = writer.CreateCommand())
        {
            command.CommandText = $"PRAGMA wal_autocheckpoint=0; PRAGMA journal_size_limit={LogSizeLimitBytes}";
            command.ExecuteNonQuery();
        }
        _nextWriterCheckpoint = Environment.TickCount64 + (long)WriterInterval.TotalMilliseconds;
        if (backgroundInterval is not { } interval)
            return;
        _backgroundInterval = interval;
        _background = new SqliteConnection(connectionString);
        _background.Open();
        using (var command = _background.CreateCommand())
        {
            command.CommandText = "PRAGMA journal_mode"; // reads the header, so this connection has the log open
            command.ExecuteScalar();
        }
        _thread = new Thread(RunBackground) { IsBackground = true, Name = "wal-checkpoints" };
        _thread.Start();
    }

    public CheckpointStats Stats =>
        new(Interlocked.Read(ref _completed), Interlocked.Read(ref _failed), Interlocked.Read(ref _logFrames), Volatile.Read(ref _lastError));

    /// <summary>On the writer, after a commit: once per <see cref="WriterInterval"/>, the catch-up checkpoint that lets the log rewind.</summary>
    public void AfterCommit()
    {
        var now = Environment.TickCount64;
        if (now < _nextWriterCheckpoint || !Monitor.TryEnter(_gate))
            return; // not yet, or the background one is running: try again after the next commit
        try
        {
            Checkpoint(_writer);
            _nextWriterCheckpoint = now + (long)WriterInterval.TotalMilliseconds;
        }
        finally
        {
            Monitor.Exit(_gate);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join();
        _background?.Dispose();
        _stop.Dispose();
    }

    private void RunBackground()
    {
        while (!_stop.Token.WaitHandle.WaitOne(_backgroundInterval))
        {
            bool done;
            lock (_gate)
                done = Checkpoint(_background!);
            if (!done)
                _stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1)); // the disk or a lock is in the way: back off
        }
    }

    /// <summary>
    /// One PASSIVE checkpoint. BUSY (another checkpoint, or a lock held elsewhere) is not a failure: the next one
    /// catches up. It never throws: on the background thread an exception would end the process, and after a commit
    /// it would report a durable batch as failed.
    /// </summary>
    private bool Checkpoint(SqliteConnection connection)
    {
        string error;
        try
        {
            var result = raw.sqlite3_wal_checkpoint_v2(connection.Handle, "main", raw.SQLITE_CHECKPOINT_PASSIVE, out var logFrames, out _);
            if (result is raw.SQLITE_BUSY or raw.SQLITE_LOCKED)
                return true;
            if (result == raw.SQLITE_OK)
            {
                Interlocked.Increment(ref _completed);
                Interlocked.Exchange(ref _logFrames, logFrames);
                return true;
            }
            error = $"{raw.sqlite3_errstr(result).utf8_to_string()} ({result})";
        }
        catch (Exception e)
        {
            error = e.Message;
        }
        Interlocked.Increment(ref _failed);
        Volatile.Write(ref _lastError, error);
        return false;
    }
}

/// <summary>Checkpoints run and failed since start, the log's size in frames at the last one, and the last failure.</summary>
public sealed record CheckpointStats(long Completed, long Failed, long LogFrames, string? LastError);
