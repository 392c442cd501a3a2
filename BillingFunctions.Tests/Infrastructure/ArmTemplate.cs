using System.Text.Json;
using System.Text.RegularExpressions;

namespace BillingFunctions.Tests.Infrastructure;

/// <summary>
/// Read access to a compiled ARM template. Values the template computes stay ARM expressions (<c>"[...]"</c>), so a
/// check on one reads the expression: a resource's own name is the last literal in its name expression, a parameter
/// reference is <c>[parameters('x')]</c>.
/// </summary>
public sealed partial class ArmTemplate(JsonElement root)
{
    public JsonElement Root { get; } = root;

    /// <summary>The whole template as text, for checks that no expression anywhere uses a function.</summary>
    public string Text => Root.GetRawText();

    public IEnumerable<JsonElement> Resources(string type) =>
        Root.GetProperty("resources").EnumerateArray().Where(r => r.GetProperty("type").GetString() == type);

    /// <summary>The one resource of <paramref name="type"/>; fails naming what was found instead.</summary>
    public JsonElement Single(string type)
    {
        var found = Resources(type).ToList();
        Assert.True(found.Count == 1, $"Expected one {type} resource, found {found.Count}.");
        return found[0];
    }

    /// <summary>The one resource of <paramref name="type"/> whose own name is <paramref name="name"/>.</summary>
    public JsonElement Named(string type, string name)
    {
        var found = Resources(type).Where(r => OwnName(r) == name).ToList();
        Assert.True(found.Count == 1,
            $"Expected one {type} named '{name}', found {found.Count} among: {string.Join(", ", Resources(type).Select(OwnName))}.");
        return found[0];
    }

    /// <summary>The last literal of a resource's name: 'orders' in <c>[format('{0}/{1}', ..., 'orders')]</c>.</summary>
    public static string? OwnName(JsonElement resource)
    {
        var name = resource.GetProperty("name").GetString()!;
        if (!name.StartsWith('['))
            return name.Split('/')[^1];
        var last = LastLiteral().Match(name);
        return last.Success ? last.Groups[1].Value : null;
    }

    public JsonElement Parameter(string name) =>
        Root.GetProperty("parameters").TryGetProperty(name, out var parameter)
            ? parameter
            : throw new Xunit.Sdk.XunitException($"The template has no parameter '{name}'.");

    /// <summary>A literal integer, or the default of the parameter an expression names.</summary>
    public int Integer(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Number)
            return value.GetInt32();
        var reference = ParameterReference().Match(value.GetString() ?? "");
        Assert.True(reference.Success, $"Expected an integer or a parameter reference, found {value.GetRawText()}.");
        Assert.True(Parameter(reference.Groups[1].Value).TryGetProperty("defaultValue", out var defaultValue),
            $"Parameter '{reference.Groups[1].Value}' has no default.");
        return defaultValue.GetInt32();
    }

    /// <summary>The Function App's app settings, name to value (a literal or an ARM expression).</summary>
    public IReadOnlyDictionary<string, string> AppSettings() =>
        Single("Microsoft.Web/sites").GetProperty("properties").GetProperty("siteConfig").GetProperty("appSettings")
            .EnumerateArray()
            .ToDictionary(s => s.GetProperty("name").GetString()!, s => s.GetProperty("value").GetString()!);

    [GeneratedRegex(@"'([^']*)'\)\]$")]
    private static partial Regex LastLiteral();

    [GeneratedRegex(@"^\[parameters\('([^']+)'\)\]$")]
    private static partial Regex ParameterReference();
}
