using System.Text.Json;
using System.Text.Json.Serialization;

namespace BillingFunctions.Accounts;

/// <summary>
/// Stores a string that is itself JSON (a rendered answer) as a JSON value inside the entity state, not as a JSON
/// string: a string would escape every quote in it (as <c>\u0022</c> with the default encoder), which made a stored
/// answer about 40 % larger. Reading gives back the exact text written, so a replay is still byte for byte.
/// </summary>
public sealed class EmbeddedJson : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var value = JsonDocument.ParseValue(ref reader);
        return value.RootElement.GetRawText();
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteRawValue(value);
}
