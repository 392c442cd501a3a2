using System.Diagnostics;
using BillingFunctions.Bench.Spikes.CommitLog.Candidates;

namespace BillingFunctions.Bench.Spikes.CommitLog.Measurements;

sealed record RecoveryOutcome(string Reader, string Damage, string Outcome, double OpenMilliseconds);

/// <summary>
/// A writer process crashes after acknowledging its batches (and after appending 100 records it never waited for).
/// Copies of what it left are damaged in different ways before anything opens them (opening RocksDB rewrites its
/// write-ahead log), then each copy is reopened and read from the start.
/// </summary>
static class Recovery
{
    public static List<RecoveryOutcome> Check(Candidate writer, IReadOnlyList<Candidate> readers, string root, int records, int batchSize)
    {
        var crashed = Path.Combine(root, "crashed");
        var acknowledged = CrashWriter.Run(writer, crashed, records, batchSize);

        var damages = new (string Name, Action<string> Apply)[]
        {
            ("none (process crash)", _ => { }),
            ("last data file cut by 7 bytes", copy => LogFiles.Cut(LogFiles.DataFiles(copy)[^1], 7)),
            ("cut 108 bytes into the last acknowledged record", copy =>
            {
                var (file, recordStart) = LogFiles.Find(copy, acknowledged - 1);
                LogFiles.CutAt(file, recordStart + 108);
            }),
            ("one byte flipped in the last acknowledged record", copy =>
            {
                var (file, recordStart) = LogFiles.Find(copy, acknowledged - 1);
                LogFiles.Flip(file, recordStart + 100);
            }),
            ("one byte flipped in the first record", copy =>
            {
                var (file, recordStart) = LogFiles.Find(copy, 0);
                LogFiles.Flip(file, recordStart + 100);
            }),
        };

        var outcomes = new List<RecoveryOutcome>();
        var copyNumber = 0;
        foreach (var damage in damages)
        foreach (var reader in readers)
        {
            var copy = Path.Combine(root, $"copy-{copyNumber++}");
            LogFiles.CopyDirectory(crashed, copy);
            damage.Apply(copy);
            outcomes.Add(Inspect(reader, copy, acknowledged, damage.Name));
        }
        return outcomes;
    }

    static RecoveryOutcome Inspect(Candidate reader, string directory, int acknowledged, string damage)
    {
        var open = Stopwatch.StartNew();
        ICommitLog log;
        try
        {
            log = reader.Open(directory);
        }
        catch (Exception e)
        {
            return new RecoveryOutcome(reader.Name, damage, "open failed: " + Describe(e), open.Elapsed.TotalMilliseconds);
        }
        var openMs = open.Elapsed.TotalMilliseconds;

        using (log)
        {
            long expected = 0, intact = 0, unacknowledged = 0;
            string? problem = null;
            try
            {
                foreach (var (_, record) in log.ReadFrom(log.BeginPosition))
                {
                    if (!Record.IsIntact(record, expected))
                    {
                        problem = $"returned a damaged or misplaced record where #{expected} belongs (sequence {Record.SequenceOf(record)}, {record.Length} bytes)";
                        break;
                    }
                    if (expected < acknowledged) intact++; else unacknowledged++;
                    expected++;
                }
            }
            catch (Exception e)
            {
                problem = $"the read failed where #{expected} belongs: {Describe(e)}";
            }

            var outcome = $"{intact:N0} of {acknowledged:N0} acknowledged records read back intact and in order";
            if (intact < acknowledged) outcome += $" (**{acknowledged - intact:N0} lost**)";
            outcome += $"; {unacknowledged} of {CrashWriter.UnacknowledgedRecords} unacknowledged ones";
            if (problem is not null) outcome += "; " + problem;
            return new RecoveryOutcome(reader.Name, damage, outcome, openMs);
        }
    }

    static string Describe(Exception e)
    {
        var message = e.Message.Split('\n')[0].Trim();
        if (message.Length > 140) message = message[..140] + "…";
        return $"{e.GetType().Name}: {message}";
    }
}

/// <summary>Finds and damages the files a log keeps its records in.</summary>
static class LogFiles
{
    /// <summary>FasterLog's segment files (log.0, log.1, …) or RocksDB's write-ahead logs (000004.log, …), oldest first.</summary>
    public static string[] DataFiles(string directory)
    {
        var segments = Directory.GetFiles(directory, "log.*")
            .Where(f => int.TryParse(Path.GetExtension(f).TrimStart('.'), out _))
            .OrderBy(f => int.Parse(Path.GetExtension(f).TrimStart('.')))
            .ToArray();
        return segments.Length > 0 ? segments : Directory.GetFiles(directory, "*.log").Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The file and offset where record <paramref name="sequence"/> starts, found by its content.</summary>
    public static (string File, long RecordStart) Find(string directory, long sequence)
    {
        var fingerprint = Record.Fingerprint(sequence);
        foreach (var file in DataFiles(directory))
        {
            var offset = File.ReadAllBytes(file).AsSpan().IndexOf(fingerprint);
            if (offset >= 0) return (file, offset - 8);
        }
        throw new InvalidOperationException($"Record {sequence} is in none of the data files of {directory}.");
    }

    public static void Cut(string file, long bytes)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.SetLength(stream.Length - bytes);
    }

    public static void CutAt(string file, long length)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Write);
        stream.SetLength(length);
    }

    public static void Flip(string file, long offset)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var value = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(value ^ 0xFF));
    }

    public static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        foreach (var directory in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(source, destination));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(source, destination));
    }
}
