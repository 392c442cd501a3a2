using System.Globalization;

namespace BillingFunctions.Bench.Durable;

/// <summary>Latency samples in milliseconds, with nearest-rank percentiles (as the main benchmark reports them).</summary>
internal sealed class Samples(IEnumerable<double> milliseconds)
{
    private readonly double[] _sorted = milliseconds.Order().ToArray();

    public int Count => _sorted.Length;

    public double Max => _sorted.Length == 0 ? double.NaN : _sorted[^1];

    public double Percentile(double percent) =>
        _sorted.Length == 0 ? double.NaN : _sorted[Math.Clamp((int)Math.Ceiling(percent / 100 * _sorted.Length) - 1, 0, _sorted.Length - 1)];

    public static string Ms(double value) => double.IsNaN(value) ? "–" : value.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>Markdown tables on stdout; progress goes to stderr.</summary>
internal static class Output
{
    public static void Table(string[] header, IEnumerable<string[]> rows)
    {
        Console.WriteLine("| " + string.Join(" | ", header) + " |");
        Console.WriteLine("|" + string.Join("|", header.Select(_ => "---")) + "|");
        foreach (var row in rows)
            Console.WriteLine("| " + string.Join(" | ", row) + " |");
        Console.WriteLine();
    }

    public static void Progress(string text) => Console.Error.WriteLine($"{DateTime.UtcNow:HH:mm:ss} » {text}");

    public static string Seconds(TimeSpan span) => span.TotalSeconds.ToString(span.TotalSeconds < 1 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " s";
}

internal static class Concurrently
{
    /// <summary>Runs the work for every item, at most <paramref name="limit"/> at a time.</summary>
    public static Task ForEach<T>(IEnumerable<T> items, int limit, Func<T, Task> work) =>
        Parallel.ForEachAsync(items, new ParallelOptions { MaxDegreeOfParallelism = limit }, async (item, _) => await work(item));
}
