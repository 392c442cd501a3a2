using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using BillingFunctions.Contract.Requests;

namespace BillingFunctions.Contract.Http;

/// <summary>
/// The serializer's refusal of a body (a <see cref="JsonException"/> with the <see cref="JsonException.Path"/> it stopped
/// at) as a problem that names the field and says what it may hold. Runs only for refused bodies, which are known by now
/// to be one JSON object in valid UTF-8.
/// </summary>
internal static class BodyProblems
{
    private const int LongestNameShown = 40;

    public static IResult For(JsonException refused, JsonTypeInfo type, byte[] body)
    {
        var given = TopLevelFields(body);
        var fields = type.Properties.Select(p => p.Name).ToList();
        // The serializer refuses a field given twice (AllowDuplicateProperties = false); JSON that cannot mean one thing
        // is malformed, as the API has always answered, whichever field the serializer happened to stop at.
        if (given.GroupBy(f => f.Name).FirstOrDefault(g => g.Count() > 1) is { } twice)
            return Problems.MalformedJson($"'{Shown(twice.Key)}' is given more than once.");
        if (refused.Path == "$" && Missing(type, given) is { Count: > 0 } missing)
            return Problems.Validation(missing.Count == 1 ? $"'{missing[0]}' is required." : $"{List(missing)} are required.");
        if (FieldOf(refused.Path) is { } field && fields.Contains(field))
        {
            if (refused is BodyFieldException bad)
                return Problems.Validation($"'{field}' {bad.Message}.");
            if (given.Find(f => f.Name == field).Value == JsonTokenType.Null)
                return Problems.Validation($"'{field}' is required.");
            return Problems.Validation(BodyFields.Describe(field) ?? $"'{field}' has the wrong JSON type.");
        }
        if (given.Find(f => !fields.Contains(f.Name)) is { Name: { } unknown })
            return Problems.Validation($"'{Shown(unknown)}' is not a field of this request; it takes {List(fields)}.");
        return Problems.Validation($"The body does not fit this request; it takes {List(fields)}.");
    }

    private static List<string> Missing(JsonTypeInfo type, List<(string Name, JsonTokenType Value)> given) =>
        type.Properties.Where(p => p.IsRequired && !given.Exists(f => f.Name == p.Name)).Select(p => p.Name).ToList();

    /// <summary>"$.amount" is the field amount; deeper paths name the top-level field they are in.</summary>
    private static string? FieldOf(string? path)
    {
        if (path is null || !path.StartsWith("$.", StringComparison.Ordinal))
            return null;
        var end = path.IndexOfAny(['.', '['], 2);
        return end < 0 ? path[2..] : path[2..end];
    }

    /// <summary>The body's own field names, in order, each with the JSON type of its value.</summary>
    private static List<(string Name, JsonTokenType Value)> TopLevelFields(byte[] body)
    {
        var fields = new List<(string, JsonTokenType)>();
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = RequestJson.MaxDepth });
        reader.Read(); // the object's start
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            string name;
            try
            {
                name = reader.GetString()!;
            }
            catch (InvalidOperationException)
            {
                name = "\uFFFD"; // a lone surrogate escape: not a name any body has
            }
            reader.Read();
            fields.Add((name, reader.TokenType));
            reader.Skip();
        }
        return fields;
    }

    private static string List(List<string> names) =>
        names.Count == 1 ? $"'{names[0]}'" : string.Join(", ", names.SkipLast(1).Select(n => $"'{n}'")) + $" and '{names[^1]}'";

    /// <summary>A caller's field name as it appears in an answer: cut short, since it can be as long as the body.</summary>
    private static string Shown(string name) => name.Length <= LongestNameShown ? name : name[..LongestNameShown] + "…";
}
