namespace BillingFunctions.Bench.Spikes.CommitLog.Candidates;

/// <summary>
/// What the writer and the projector need from a commit log. A position is the library's own: FasterLog's logical
/// address, or the sequence number RocksDB keys are made of. Both only grow.
/// </summary>
interface ICommitLog : IDisposable
{
    /// <summary>Appends the records as one unit; with <paramref name="durable"/>, returns only once they are on disk.
    /// Returns the position of the first record. Safe to call from several threads.</summary>
    ValueTask<long> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, bool durable);

    /// <summary>Every committed record from <paramref name="position"/> on, in order. Damage surfaces as an exception.</summary>
    IEnumerable<(long Position, byte[] Record)> ReadFrom(long position);

    /// <summary>Drops every record before <paramref name="position"/>, durably.</summary>
    ValueTask TruncateBeforeAsync(long position);

    /// <summary>The first position still held, and the position the next append will take.</summary>
    long BeginPosition { get; }
    long EndPosition { get; }
}

/// <summary>The variants measured. Each opens (and recovers) the log in a directory.</summary>
sealed record Candidate(string Name, string Option, string Description, Func<string, ICommitLog> Open)
{
    public static readonly Candidate Faster = new("FasterLog", "faster",
        "FasterLog, per-entry checksums, a commit file per commit",
        directory => new FasterLogCandidate(directory, fastCommit: false));

    public static readonly Candidate FasterFastCommit = new("FasterLog fast-commit", "faster-fast",
        "FasterLog, per-entry checksums, FastCommitMode (commit records in the log, a commit file every 100th commit)",
        directory => new FasterLogCandidate(directory, fastCommit: true));

    /// <summary>RocksDB as recommended for the log: on reopening, a torn last record (a write that never finished,
    /// so never acknowledged) is dropped, and any other damage in the write-ahead log fails the open.</summary>
    public static readonly Candidate RocksDb = new("RocksDB", "rocksdb",
        "RocksDB, one WriteBatch per batch, sync=true, WAL recovery tolerate-corrupted-tail-records",
        directory => new RocksDbCandidate(directory, RocksDbSharp.Recovery.TolerateCorruptedTailRecords));

    /// <summary>Only opens logs written by <see cref="RocksDb"/>: RocksDB's default recovery, which stops the replay
    /// at the first damaged record and opens with what came before it.</summary>
    public static readonly Candidate RocksDbPointInTime = new("RocksDB point-in-time", "rocksdb",
        "RocksDB reopened with WAL recovery point-in-time (the library's default)",
        directory => new RocksDbCandidate(directory, RocksDbSharp.Recovery.PointInTime));

    /// <summary>Only opens logs written by <see cref="RocksDb"/>: recovery that accepts no damage at all.</summary>
    public static readonly Candidate RocksDbAbsolute = new("RocksDB absolute", "rocksdb",
        "RocksDB reopened with WAL recovery absolute-consistency",
        directory => new RocksDbCandidate(directory, RocksDbSharp.Recovery.AbsoluteConsistency));

    public static readonly IReadOnlyList<Candidate> Measured = [Faster, FasterFastCommit, RocksDb];

    public static Candidate Named(string name) =>
        new[] { Faster, FasterFastCommit, RocksDb, RocksDbPointInTime, RocksDbAbsolute }.Single(c => c.Name == name);
}
