namespace BillingFunctions.Bench.Spikes.CommitLog.Reporting;

static class Stats
{
    public static double Median(IEnumerable<double> values) => Percentile(values.ToList(), 50);

    /// <summary>Nearest-rank percentile.</summary>
    public static double Percentile(List<double> values, double percent)
    {
        if (values.Count == 0) return double.NaN;
        values.Sort();
        var rank = (int)Math.Ceiling(percent / 100 * values.Count);
        return values[Math.Clamp(rank - 1, 0, values.Count - 1)];
    }

    public static long DirectoryBytes(string directory) =>
        Directory.Exists(directory)
            ? new DirectoryInfo(directory).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length)
            : 0;
}
