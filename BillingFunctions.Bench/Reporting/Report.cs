using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace BillingFunctions.Bench.Reporting;

/// <summary>The outputs of a bench run: a Markdown table on stdout and a JSON file with the same figures and the machine.</summary>
internal static class Report
{
    public static string Markdown(ScenarioResult result)
    {
        var text = new StringBuilder();
        text.AppendLine($"### {result.Scenario}");
        text.AppendLine();
        text.AppendLine(string.Join(", ", result.Parameters.Select(p => $"{p.Key} = {p.Value}")));
        text.AppendLine();
        text.AppendLine("| case | metric | value | unit | target |");
        text.AppendLine("|---|---|---:|---|---|");
        foreach (var row in result.Rows)
            text.AppendLine($"| {row.Case} | {row.Metric} | {Format(row.Value)} | {row.Unit} | {row.Target ?? ""} |");
        return text.ToString();
    }

    public static async Task WriteJsonAsync(string path, IReadOnlyList<ScenarioResult> results, bool quick)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
            Directory.CreateDirectory(directory);
        var document = new
        {
            takenAt = DateTime.UtcNow.ToString("O"),
            quick,
            machine = Machine(),
            scenarios = results,
        };
        await using var file = File.Create(path);
        await JsonSerializer.SerializeAsync(file, document, new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true });
    }

    /// <summary>What the figures depend on: cores, OS, runtime, and the load on the machine when the run ended.</summary>
    public static IReadOnlyDictionary<string, string> Machine() => new Dictionary<string, string>
    {
        ["cores"] = Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture),
        ["cpu"] = CpuModel(),
        ["os"] = RuntimeInformation.OSDescription,
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["gc"] = System.Runtime.GCSettings.IsServerGC ? "server" : "workstation",
        ["loadAverage"] = File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "",
    };

    private static string CpuModel()
    {
        if (!File.Exists("/proc/cpuinfo"))
            return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string Format(double value) =>
        value == Math.Floor(value) && Math.Abs(value) < 1e15
            ? value.ToString("N0", CultureInfo.InvariantCulture)
            : value.ToString(Math.Abs(value) >= 100 ? "N0" : "0.###", CultureInfo.InvariantCulture);
}
