using FASTER.core;

namespace BillingFunctions.Bench.Spikes.CommitLog.Candidates;

/// <summary>
/// FasterLog on local files. Segment files are written with O_DIRECT and O_SYNC (FileOptions.WriteThrough and
/// no buffering), so a commit is durable when its writes return; there is no separate fsync call.
/// </summary>
sealed class FasterLogCandidate : ICommitLog
{
    // 4 MiB pages: one enqueued batch must fit in a page (4,096 records of 400 bytes is 1.7 MB).
    const long PageSize = 1L << 22;
    // 64 MiB segment files, so truncation can free disk space in useful steps (the default is 1 GiB).
    const long SegmentSize = 1L << 26;
    // In fast-commit mode, write the commit file only every 100th commit: recovery scans forward from the last one
    // for the commit records in the log. Without this the default commit manager writes (and later deletes) a commit
    // file on every commit, fast-commit or not.
    const int FastCommitFileEvery = 100;

    readonly IDevice device;
    readonly FasterLog log;
    readonly ILogCommitManager? commitManager;

    public FasterLogCandidate(string directory, bool fastCommit)
    {
        Directory.CreateDirectory(directory);
        // recoverDevice: find the existing segment files (after truncation the first one is no longer log.0).
        device = Devices.CreateLogDevice(Path.Combine(directory, "log"), recoverDevice: true);
        var settings = new FasterLogSettings
        {
            LogDevice = device,
            PageSize = PageSize,
            MemorySize = PageSize * 4,
            SegmentSize = SegmentSize,
            LogChecksum = LogChecksumType.PerEntry,
            FastCommitMode = fastCommit,
            // The constructor's own recovery swallows every exception and starts an empty log; recover explicitly
            // so that a failure is seen.
            TryRecoverLatest = false,
        };
        if (fastCommit)
            settings.LogCommitManager = new DeviceLogCommitCheckpointManager(
                new LocalStorageNamedDeviceFactory(), new DefaultCheckpointNamingScheme(directory),
                removeOutdated: true, fastCommitThrottleFreq: FastCommitFileEvery);
        commitManager = settings.LogCommitManager;
        log = new FasterLog(settings);
        try
        {
            log.Recover();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long BeginPosition => log.BeginAddress;
    public long EndPosition => log.CommittedUntilAddress;

    public async ValueTask<long> AppendAsync(IReadOnlyList<ReadOnlyMemory<byte>> records, bool durable)
    {
        // One allocation for the whole batch: its records are contiguous and a commit never splits it.
        var first = log.Enqueue(new SpanBatch(records));
        if (durable) await log.CommitAsync();
        return first;
    }

    public IEnumerable<(long Position, byte[] Record)> ReadFrom(long position)
    {
        using var iterator = log.Scan(position, long.MaxValue);
        // GetNext returns false at the committed end (with an end of long.MaxValue it would wait there for more).
        while (iterator.GetNext(out var entry, out var length, out var address, out _))
            yield return (address, length == entry.Length ? entry : entry[..length]);
    }

    public async ValueTask TruncateBeforeAsync(long position)
    {
        // Moves the begin address; it is persisted (and whole segments below it deleted) by the next commit.
        log.TruncateUntil(position);
        await log.CommitAsync();
    }

    public void Dispose()
    {
        log.Dispose();
        // FasterLog disposes a commit manager it made itself, not one it was given.
        commitManager?.Dispose();
        device.Dispose();
    }

    sealed class SpanBatch(IReadOnlyList<ReadOnlyMemory<byte>> records) : IReadOnlySpanBatch
    {
        public int TotalEntries() => records.Count;
        public ReadOnlySpan<byte> Get(int index) => records[index].Span;
    }
}
