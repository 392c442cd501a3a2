using System.Buffers.Binary;
using RocksDbSharp;

namespace BillingFunctions.Server.Storage.Log;

/// <summary>
/// The commit log: every committed batch as one record, appended and flushed before any of its writes is
/// acknowledged. RocksDB keeps it: each record under its position as an 8-byte big-endian key (byte order is position
/// order), an append is one synced write (one fdatasync of RocksDB's write-ahead log), truncation is a range delete.
/// <para>
/// A write RocksDB refuses (a full disk, a read-only file) leaves it refusing every later write until it is opened
/// again, so the next append reopens it first. Reopening recovers the log as a restart would, and removes the refused
/// record should its bytes have reached the file after all: a write answered with an error is never applied later.
/// </para>
/// Single writer: <see cref="Append"/> and <see cref="TruncateBefore"/> are called from one thread at a time.
/// </summary>
internal sealed class CommitLog : IDisposable
{
    private readonly string _directory;
    private readonly WriteOptions _appends;
    private readonly WriteOptions _truncations = new WriteOptions().SetSync(false);
    private readonly Lock _reopening = new();
    private RocksDb? _db;
    private long _next;
    private long? _refused;

    /// <param name="projected">The last position the projection holds: positions are never given out twice, even once the log is truncated empty.</param>
    /// <param name="durable">Flush each append to the disk (fdatasync); off, an append survives a process crash but not a power loss.</param>
    public CommitLog(string directory, long projected, bool durable = true)
    {
        _directory = directory;
        _appends = new WriteOptions().SetSync(durable);
        System.IO.Directory.CreateDirectory(directory); // RocksDB creates only the last directory of the path
        _db = Open(directory);
        _next = Math.Max(LastPosition(_db), projected) + 1;
    }

    public string Directory => _directory;

    /// <summary>The position the next append gets; every position below it is in the log or already truncated.</summary>
    public long NextPosition => Interlocked.Read(ref _next);

    /// <summary>
    /// The position of the oldest record the log still holds; null when truncation has left it empty, or while it is
    /// closed after a refused write.
    /// </summary>
    public long? OldestPosition()
    {
        lock (_reopening)
        {
            if (_db is null)
                return null;
            using var iterator = _db.NewIterator();
            iterator.SeekToFirst();
            long? oldest = iterator.Valid() ? BinaryPrimitives.ReadInt64BigEndian(iterator.GetKeySpan()) : null;
            ThrowIfFailed(iterator);
            return oldest;
        }
    }

    /// <summary>Appends one record and flushes it; returns its position. Throws if the log refused it: then it is not in the log.</summary>
    public long Append(ReadOnlySpan<byte> record)
    {
        if (_refused is not null || _db is null)
            Reopen();
        var position = _next;
        Span<byte> key = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, position);
        using var batch = new WriteBatch();
        batch.Put(key, record);
        try
        {
            _db!.Write(batch, _appends);
        }
        catch
        {
            _refused = position;
            throw;
        }
        Interlocked.Exchange(ref _next, position + 1);
        return position;
    }

    /// <summary>The records from <paramref name="position"/> on, in order. Throws if a record cannot be read.</summary>
    public IEnumerable<(long Position, byte[] Record)> ReadFrom(long position)
    {
        using var iterator = _db!.NewIterator(); // open: read at start, before any append
        iterator.Seek(Key(Math.Max(0, position)));
        while (iterator.Valid())
        {
            yield return (BinaryPrimitives.ReadInt64BigEndian(iterator.GetKeySpan()), iterator.Value());
            iterator.Next();
        }
        ThrowIfFailed(iterator);
    }

    /// <summary>
    /// Forgets the records before <paramref name="position"/>: the projection holds them. Not flushed: should a crash
    /// undo it, the start skips records the projection already holds.
    /// </summary>
    public void TruncateBefore(long position)
    {
        using var batch = new WriteBatch();
        batch.DeleteRange(Key(0), 8, Key(position), 8);
        lock (_reopening) // called from the projection thread: not while the writer swaps in a reopened database
            _db?.Write(batch, _truncations); // closed: the next truncation covers this range too
    }

    /// <summary>Rewrites the log's files under the truncated range so that their disk space is given back.</summary>
    public void Compact(long before)
    {
        lock (_reopening)
            _db?.CompactRange(null, Key(before));
    }

    public void Dispose() => _db?.Dispose();

    /// <summary>True for RocksDB's refusal for want of space (its IO error carries the system's ENOSPC text).</summary>
    public static bool IsDiskFull(Exception error) => error is RocksDbException && error.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Opens the log again after a refused write. Should opening fail too (the disk still full), the log stays closed
    /// and the next append tries again; truncation waits until then.
    /// </summary>
    private void Reopen()
    {
        lock (_reopening)
        {
            _db?.Dispose();
            _db = null;
            _db = Open(_directory);
            if (_refused is { } refused && _db.Get(Key(refused)) is not null)
                _db.Remove(Key(refused), null, _appends);
            _refused = null;
        }
    }

    private static RocksDb Open(string directory)
    {
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            // A record torn by a crash mid-append was never acknowledged: drop it and open. Damage anywhere else fails the open.
            .SetWalRecoveryMode(Recovery.TolerateCorruptedTailRecords)
            // Records are short-lived: spend no writer time compressing them.
            .SetCompression(Compression.No);
        return RocksDb.Open(options, directory);
    }

    private static long LastPosition(RocksDb db)
    {
        using var iterator = db.NewIterator();
        iterator.SeekToLast();
        var last = iterator.Valid() ? BinaryPrimitives.ReadInt64BigEndian(iterator.GetKeySpan()) : -1;
        ThrowIfFailed(iterator);
        return last;
    }

    private static byte[] Key(long position)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, position);
        return key;
    }

    // The iterator's Valid() is false both at the end and after a read error; the error has to be asked for.
    private static void ThrowIfFailed(Iterator iterator) => Native.Instance.rocksdb_iter_get_error(iterator.Handle);
}
