using System.Globalization;
using BillingFunctions.Contract.Telemetry;

namespace BillingFunctions.Tests.Support;

/// <summary>
/// A scrape of <c>/metrics</c> in the Prometheus text format, read back into samples, and the names the OpenTelemetry
/// Prometheus exporter gives our instruments: dots become underscores, a unit that is a word (<c>ms</c>) is appended
/// spelled out, an annotation (<c>{write}</c>) is not, and counters end in <c>_total</c>.
/// </summary>
public sealed class PrometheusText
{
    private PrometheusText(IReadOnlyList<Sample> samples) => Samples = samples;

    public IReadOnlyList<Sample> Samples { get; }

    public static PrometheusText Parse(string text) =>
        new(text.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith('#')).Select(ParseLine).ToList());

    public static string Name(InstrumentDefinition instrument) =>
        instrument.Name.Replace('.', '_') + instrument.Unit switch
        {
            "ms" => "_milliseconds",
            var unit when unit.StartsWith('{') => "",
            var unit => throw new ArgumentException($"No Prometheus suffix known for unit {unit}."),
        };

    public static string Counter(InstrumentDefinition instrument) => Name(instrument) + "_total";

    /// <summary>Samples of the metric whose labels include every one given (Prometheus label names: dots become underscores).</summary>
    public IEnumerable<Sample> Of(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label.Replace('.', '_'), out var v) && v == l.Value));

    /// <summary>The sum over matching samples; null when there is none (the instrument never recorded such a value).</summary>
    public double? Sum(string name, params (string Label, string Value)[] labels)
    {
        var matching = Of(name, labels).ToList();
        return matching.Count == 0 ? null : matching.Sum(s => s.Value);
    }

    private static Sample ParseLine(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var open = line.IndexOf('{');
        var close = line.LastIndexOf('}');
        string name;
        string rest;
        if (open >= 0 && open < line.IndexOf(' '))
        {
            name = line[..open];
            foreach (var pair in SplitLabels(line[(open + 1)..close]))
            {
                var equals = pair.IndexOf('=');
                labels[pair[..equals]] = pair[(equals + 2)..^1].Replace("\\\"", "\"").Replace("\\\\", "\\");
            }
            rest = line[(close + 1)..].Trim();
        }
        else
        {
            name = line[..line.IndexOf(' ')];
            rest = line[name.Length..].Trim();
        }
        var value = rest.Split(' ')[0];
        return new Sample(name, labels, value switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            _ => double.Parse(value, CultureInfo.InvariantCulture),
        });
    }

    /// <summary>Splits <c>a="x",b="y,z"</c> at the commas between pairs, not those inside quoted values.</summary>
    private static IEnumerable<string> SplitLabels(string text)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\')
                i++;
            else if (text[i] == '"')
                quoted = !quoted;
            else if (text[i] == ',' && !quoted)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }
        if (start < text.Length)
            yield return text[start..];
    }

    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);
}
