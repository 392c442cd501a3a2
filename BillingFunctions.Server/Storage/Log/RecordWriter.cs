using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace BillingFunctions.Server.Storage.Log;

/// <summary>
/// Appends primitive values to a log record: integers little-endian (fixed width, so a record reads back without a
/// schema), strings as a length and UTF-8, optional values behind a presence byte.
/// </summary>
internal sealed class RecordWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void Reset() => _buffer.ResetWrittenCount();

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void Int(int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
    }

    public void Long(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void Text(string value)
    {
        var length = Encoding.UTF8.GetByteCount(value);
        Int(length);
        Encoding.UTF8.GetBytes(value, _buffer.GetSpan(length));
        _buffer.Advance(length);
    }

    public void OptionalText(string? value)
    {
        Bool(value is not null);
        if (value is not null)
            Text(value);
    }

    public void OptionalLong(long? value)
    {
        Bool(value is not null);
        if (value is { } present)
            Long(present);
    }

    public void OptionalInt(int? value)
    {
        Bool(value is not null);
        if (value is { } present)
            Int(present);
    }
}
