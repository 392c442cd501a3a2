using System.Buffers.Binary;
using System.Text;

namespace BillingFunctions.Server.Storage.Log;

/// <summary>Reads back what <see cref="RecordWriter"/> wrote, in the same order; a short or malformed record throws <see cref="FormatException"/>.</summary>
internal ref struct RecordReader(ReadOnlySpan<byte> record)
{
    private ReadOnlySpan<byte> _rest = record;

    public readonly bool AtEnd => _rest.IsEmpty;

    public byte Byte() => Take(1)[0];

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        var other => throw new FormatException($"A log record holds {other} where a flag belongs."),
    };

    public int Int() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    public long Long() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    public string Text()
    {
        var length = Int();
        if (length < 0)
            throw new FormatException("A log record holds a negative text length.");
        return Encoding.UTF8.GetString(Take(length));
    }

    public string? OptionalText() => Bool() ? Text() : null;

    public long? OptionalLong() => Bool() ? Long() : null;

    public int? OptionalInt() => Bool() ? Int() : null;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _rest.Length)
            throw new FormatException("A log record ends early.");
        var taken = _rest[..count];
        _rest = _rest[count..];
        return taken;
    }
}
