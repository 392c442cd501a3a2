using System.Globalization;

namespace BillingFunctions.Bench.Spikes.CommitLog.Reporting;

static class Markdown
{
    public static string Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var lines = new List<string>
        {
            "| " + string.Join(" | ", header) + " |",
            "|" + string.Concat(header.Select(_ => "---|")),
        };
        lines.AddRange(rows.Select(row => "| " + string.Join(" | ", row) + " |"));
        return string.Join(Environment.NewLine, lines);
    }

    public static string Number(double value, int decimals = 0) =>
        double.IsNaN(value) ? "–" : value.ToString("N" + decimals, CultureInfo.InvariantCulture);

    /// <summary>The median, then every run's value in brackets.</summary>
    public static string MedianOfRuns(IReadOnlyList<double> runs, int decimals = 0) =>
        runs.Count == 1
            ? Number(runs[0], decimals)
            : $"{Number(Stats.Median(runs), decimals)} [{string.Join(", ", runs.Select(r => Number(r, decimals)))}]";

    public static string Bytes(double bytes) =>
        bytes >= 1 << 20 ? $"{Number(bytes / (1 << 20), 0)} MiB" : $"{Number(bytes / 1024, 0)} KiB";
}
