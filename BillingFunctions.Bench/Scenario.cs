using System.CommandLine;
using BillingFunctions.Bench.Reporting;

namespace BillingFunctions.Bench;

/// <summary>
/// One benchmark: its sizes as command-line options (each with a full and a <c>--quick</c> default) and a run
/// that drives the real engine or server and returns what it measured. Adding a scenario is one class plus
/// one line in <see cref="Program"/>.
/// </summary>
internal abstract class Scenario
{
    public abstract string Name { get; }
    public abstract string Description { get; }

    /// <summary>The scenario's own options; <see cref="Size{T}"/> makes an option with a full and a quick default.</summary>
    public abstract IEnumerable<Option> Options { get; }

    public abstract Task<ScenarioResult> RunAsync(RunContext context);
}

/// <summary>What a scenario run is given: the parsed command line, whether sizes are quick, a progress display.</summary>
internal sealed record RunContext(ParseResult Parsed, bool Quick, ProgressLine Progress, string WorkDirectory, CancellationToken Cancellation)
{
    public T Get<T>(Size<T> size) where T : struct => size.Get(Parsed, Quick);

    /// <summary>A fresh directory for one SQLite file, under the run's work directory.</summary>
    public string NewDataDirectory(string name)
    {
        var path = Path.Combine(WorkDirectory, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }
}

/// <summary>A size option: the full default for a real run, the quick default for the CI smoke check; the user's value wins.</summary>
internal sealed class Size<T> where T : struct
{
    private readonly T _full;
    private readonly T _quick;

    public Size(string name, string description, T full, T quick)
    {
        _full = full;
        _quick = quick;
        Option = new Option<T?>(name) { Description = $"{description} (default {full}, --quick {quick})" };
    }

    public Option<T?> Option { get; }

    public T Get(ParseResult parsed, bool quick) => parsed.GetValue(Option) ?? (quick ? _quick : _full);
}

/// <summary>
/// A scenario that cannot run on this machine because a tool it drives is missing; the program prints the
/// message (which says how to install the tool) and exits with 2, without a stack trace.
/// </summary>
internal sealed class ScenarioUnavailableException(string message) : Exception(message);
