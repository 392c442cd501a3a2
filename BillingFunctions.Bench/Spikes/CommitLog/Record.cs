using System.Buffers.Binary;

namespace BillingFunctions.Bench.Spikes.CommitLog;

/// <summary>
/// The spike's log record: 256 bytes, its sequence number in the first 8 bytes and 248 bytes that follow from that
/// number alone, so a reader can tell an intact record from a damaged, misplaced or made-up one without keeping a copy.
/// </summary>
static class Record
{
    public const int Size = 256;

    public static void Write(Span<byte> destination, long sequence)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, sequence);
        var state = Seed(sequence);
        for (var offset = 8; offset < Size; offset += 8)
            BinaryPrimitives.WriteUInt64LittleEndian(destination[offset..], Next(ref state));
    }

    public static long SequenceOf(ReadOnlySpan<byte> record) =>
        record.Length < 8 ? -1 : BinaryPrimitives.ReadInt64LittleEndian(record);

    public static bool IsIntact(ReadOnlySpan<byte> record, long expectedSequence)
    {
        if (record.Length != Size || SequenceOf(record) != expectedSequence) return false;
        var state = Seed(expectedSequence);
        for (var offset = 8; offset < Size; offset += 8)
            if (BinaryPrimitives.ReadUInt64LittleEndian(record[offset..]) != Next(ref state)) return false;
        return true;
    }

    /// <summary>The first bytes after the sequence number: distinct per record, used to find a record in a file.</summary>
    public static byte[] Fingerprint(long sequence)
    {
        var record = new byte[Size];
        Write(record, sequence);
        return record[8..40];
    }

    // A mixed seed: with a linear one, record n's payload would be record n+1's shifted by one word.
    static ulong Seed(long sequence)
    {
        var state = (ulong)sequence ^ 0xD1B54A32D192ED03UL;
        return Next(ref state);
    }

    static ulong Next(ref ulong state)
    {
        // splitmix64: cheap, and every record's payload differs from every other's.
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>A batch of consecutive records in one buffer, refilled for each batch so the hot loop allocates nothing.</summary>
sealed class RecordBatch
{
    readonly byte[] buffer;
    readonly ReadOnlyMemory<byte>[] records;

    public RecordBatch(int count)
    {
        buffer = new byte[count * Record.Size];
        records = new ReadOnlyMemory<byte>[count];
        for (var i = 0; i < count; i++) records[i] = buffer.AsMemory(i * Record.Size, Record.Size);
    }

    public IReadOnlyList<ReadOnlyMemory<byte>> Records => records;

    public void Fill(long firstSequence)
    {
        for (var i = 0; i < records.Length; i++) Record.Write(buffer.AsSpan(i * Record.Size, Record.Size), firstSequence + i);
    }
}
