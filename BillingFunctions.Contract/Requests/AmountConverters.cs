using System.Buffers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Contract.Requests;

/// <summary>
/// An amount as a decimal string (<c>"12.5"</c>), or a bare JSON number read from its exact text, parsed by
/// <see cref="Money.TryParsePositive"/> into integer micro-units: never through double or decimal.
/// </summary>
public sealed class MoneyJsonConverter : JsonConverter<Money>
{
    public const string Example = "\"12.5\"";

    public override Money Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Money.TryParsePositive(DecimalText.Read(ref reader, Example), out var money, out var error) ? money : throw new BodyFieldException(error);

    public override void Write(Utf8JsonWriter writer, Money value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

/// <summary>A rate per second as a decimal string (up to 12 fractional digits), parsed by <see cref="Rate.TryParse"/>.</summary>
public sealed class RateJsonConverter : JsonConverter<Rate>
{
    public const string Example = "\"0.000013888889\"";

    public override Rate Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Rate.TryParse(DecimalText.Read(ref reader, Example), out var rate, out var error) ? rate : throw new BodyFieldException(error);

    public override void Write(Utf8JsonWriter writer, Rate value, JsonSerializerOptions options) => writer.WriteStringValue(value.ToString());
}

internal static class DecimalText
{
    /// <summary>A string's text, or a number's exact text; null for JSON null (the parsers then say the field is required).</summary>
    public static string? Read(ref Utf8JsonReader reader, string example)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.Number:
                // A number token has no escapes: its bytes are its text, so "1.10" stays exactly that.
                return Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
            case JsonTokenType.String:
                try
                {
                    return reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    // An escape such as a lone surrogate (\uD800) cannot become .NET text.
                    break;
                }
        }
        throw new BodyFieldException($"must be a decimal string such as {example}");
    }
}

/// <summary>
/// A field's value that is JSON of the right shape but not acceptable. The message says what is wrong without the field's
/// name: the serializer records where it was thrown (<see cref="JsonException.Path"/>), and the body reader names the field.
/// </summary>
internal sealed class BodyFieldException(string problem) : JsonException(problem);
