namespace BillingFunctions.Bench.Reporting;

/// <summary>Percentiles of a set of samples (nearest rank over the sorted samples, in whatever unit they were taken).</summary>
internal sealed class Latencies
{
    private readonly long[] _sorted;

    public Latencies(IEnumerable<long> samples)
    {
        _sorted = samples.ToArray();
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;
    public long Min => _sorted.Length == 0 ? 0 : _sorted[0];
    public long Max => _sorted.Length == 0 ? 0 : _sorted[^1];
    public long Sum => _sorted.Sum();

    /// <summary>The smallest sample with at least <paramref name="percent"/> % of samples at or below it.</summary>
    public long Percentile(double percent)
    {
        if (_sorted.Length == 0)
            return 0;
        var rank = (int)Math.Ceiling(percent / 100.0 * _sorted.Length);
        return _sorted[Math.Clamp(rank - 1, 0, _sorted.Length - 1)];
    }
}
