using System.Buffers.Binary;
using RocksDbSharp;

namespace BillingFunctions.Bench.Spikes.CommitLog.Candidates;

/// <summary>
/// RocksDB used as a log: each record under an 8-byte big-endian sequence number (so byte order is sequence order),
/// a batch is one WriteBatch written with sync=true (the WAL is fdatasync'd before Write returns), truncation is a
/// range delete.
/// </summary>
sealed class RocksDbCandidate : ICommitLog
{
    readonly RocksDb db;
    readonly WriteOptions synced = new WriteOptions().SetSync(true);
    readonly WriteOptions unsynced = new WriteOptions().SetSync(false);
    long nextSequence;
    long beginSequence;

    public RocksDbCandidate(string directory, Recovery walRecovery)
    {
        // RocksDB creates the last directory of the path only.
        Directory.CreateDirectory(directory);
        var options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetWalRecoveryMode(walRecovery)
            // Records are serialized state and events; the log is short-lived, so spend no writer CPU compressing it.
            .SetCompression(Compression.No);
        db = RocksDb.Open(options, directory);
        using var iterator = db.NewIterator();
        iterator.SeekToLast();
        nextSequence = iterator.Valid() ? KeyToSequence(iterator.GetKeySpan()) + 1 : 0;
        iterator.SeekToFirst();
        beginSequence = iterator.Valid() ? KeyToSequence(iterator.GetKeySpan()) : nextSequence;
        ThrowIfFailed(iterator);
    }

    public long BeginPosition => Volatile.Read(ref beginSequence);
    public long EndPosition => Interlocked.Read(ref nextSequence);

    public ValueTask<long> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, bool durable)
    {
        // Sequence numbers are reserved up front so that two appenders never share one; with one writer (the
        // product's case) reservation order is also commit order.
        var first = Interlocked.Add(ref nextSequence, records.Count) - records.Count;
        Span<byte> key = stackalloc byte[8];
        using var batch = new WriteBatch();
        for (var i = 0; i < records.Count; i++)
        {
            BinaryPrimitives.WriteInt64BigEndian(key, first + i);
            batch.Put(key, records[i].Span);
        }
        db.Write(batch, durable ? synced : unsynced);
        return ValueTask.FromResult(first);
    }

    public IEnumerable<(long Position, byte[] Record)> ReadFrom(long position)
    {
        using var iterator = db.NewIterator();
        iterator.Seek(SequenceToKey(position));
        while (iterator.Valid())
        {
            yield return (KeyToSequence(iterator.GetKeySpan()), iterator.Value());
            iterator.Next();
        }
        ThrowIfFailed(iterator);
    }

    public ValueTask TruncateBeforeAsync(long position)
    {
        using var batch = new WriteBatch();
        batch.DeleteRange(SequenceToKey(0), 8, SequenceToKey(position), 8);
        db.Write(batch, synced);
        Volatile.Write(ref beginSequence, position);
        return ValueTask.CompletedTask;
    }

    /// <summary>Rewrites the files under the range delete so that their disk space is given back.</summary>
    public void CompactBefore(long position) => db.CompactRange(null, SequenceToKey(position));

    public void Dispose() => db.Dispose();

    static byte[] SequenceToKey(long sequence)
    {
        var key = new byte[8];
        BinaryPrimitives.WriteInt64BigEndian(key, sequence);
        return key;
    }

    static long KeyToSequence(ReadOnlySpan<byte> key) => BinaryPrimitives.ReadInt64BigEndian(key);

    // The wrapper's Valid() is false both at the end and on a read error; the error has to be asked for.
    static void ThrowIfFailed(Iterator iterator) => Native.Instance.rocksdb_iter_get_error(iterator.Handle);
}
