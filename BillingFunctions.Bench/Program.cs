using System.CommandLine;
using BillingFunctions.Bench;
using BillingFunctions.Bench.Reporting;
using BillingFunctions.Bench.Scenarios;

// One line per scenario; each becomes a sub-command and a part of `all`.
var engine = new EngineThroughput();
var http = new HttpThroughput();
Scenario[] scenarios =
[
    new CutoffLateness(),
    engine,
    http,
    new StateScale(),
    new OrdersThroughput(),
];
// Sub-commands only, never part of `all` (which CI runs): they need tools beyond the SDK.
Scenario[] standalone =
[
    new PeerComparison(engine, http),
];

var quick = new Option<bool>("--quick") { Description = "Small sizes: the smoke check CI runs (numbers printed, nothing enforced)", Recursive = true };
var results = new Option<string>("--results")
{
    Description = "Where the JSON results go",
    DefaultValueFactory = _ => Path.Combine(AppContext.BaseDirectory, "results", "bench-results.json"),
    Recursive = true,
};
var work = new Option<string>("--work-directory")
{
    Description = "Where the SQLite files of the run live (deleted afterwards)",
    DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "billing-bench"),
    Recursive = true,
};

var root = new RootCommand("BillingFunctions benchmarks: drive the real engine and server, print a Markdown table, write JSON.");
root.Options.Add(quick);
root.Options.Add(results);
root.Options.Add(work);
foreach (var scenario in scenarios.Concat(standalone))
{
    var command = new Command(scenario.Name, scenario.Description);
    foreach (var option in scenario.Options)
        command.Options.Add(option);
    command.SetAction((parsed, cancellation) => RunAsync([scenario], parsed, cancellation));
    root.Subcommands.Add(command);
}
var everything = new Command("all", "Every scenario in turn, each with its own defaults.");
foreach (var option in scenarios.SelectMany(s => s.Options))
    everything.Options.Add(option);
everything.SetAction((parsed, cancellation) => RunAsync(scenarios, parsed, cancellation));
root.Subcommands.Add(everything);

return await root.Parse(args).InvokeAsync();

async Task<int> RunAsync(IReadOnlyList<Scenario> chosen, ParseResult parsed, CancellationToken cancellation)
{
    var isQuick = parsed.GetValue(quick);
    var workDirectory = Path.Combine(parsed.GetValue(work)!, Guid.NewGuid().ToString("N"));
    var progress = new ProgressLine();
    var measured = new List<ScenarioResult>();
    try
    {
        Console.WriteLine($"## BillingFunctions benchmarks{(isQuick ? " (quick sizes)" : "")}");
        Console.WriteLine();
        Console.WriteLine(string.Join(", ", Report.Machine().Select(m => $"{m.Key}: {m.Value}")));
        Console.WriteLine();
        foreach (var scenario in chosen)
        {
            progress.Stage($"scenario {scenario.Name}");
            var result = await scenario.RunAsync(new RunContext(parsed, isQuick, progress, workDirectory, cancellation));
            measured.Add(result);
            Console.WriteLine(Report.Markdown(result));
        }
    }
    catch (ScenarioUnavailableException unavailable)
    {
        progress.Done();
        Console.Error.WriteLine(unavailable.Message);
        return 2;
    }
    finally
    {
        if (Directory.Exists(workDirectory))
            Directory.Delete(workDirectory, recursive: true);
    }
    var path = parsed.GetValue(results)!;
    await Report.WriteJsonAsync(path, measured, isQuick);
    progress.Stage($"results written to {path}");
    return 0;
}
