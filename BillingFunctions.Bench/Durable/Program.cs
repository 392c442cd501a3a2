using System.CommandLine;
using System.Globalization;
using BillingFunctions.Bench.Durable;

// Benchmarks of the Azure Functions app on the real Durable Task runtime over Azurite (started by the run itself).
var root = new RootCommand("BillingFunctions on the Durable runtime over Azurite: cut-off lateness, write latency, entity state growth.");

var accounts = new Option<int>("--accounts") { Description = "accounts depleting per polling setting", DefaultValueFactory = _ => 200 };
var polling = new Option<string>("--polling") { Description = "MaxQueuePollingInterval settings to compare, in seconds", DefaultValueFactory = _ => "30,5,1,0.5" };
var idle = new Option<double>("--idle") { Description = "seconds the worker sits idle before the first zero instant", DefaultValueFactory = _ => 60 };
var window = new Option<double>("--window") { Description = "seconds over which the zero instants spread", DefaultValueFactory = _ => 10 };
var concurrency = new Option<int>("--concurrency") { Description = "concurrent setup writes", DefaultValueFactory = _ => 25 };
var lateness = new Command("lateness", "Cut-off lateness per MaxQueuePollingInterval setting.") { accounts, polling, idle, window, concurrency };
lateness.SetAction(parsed => CutoffLateness.RunAsync(parsed.GetValue(accounts), Seconds(parsed.GetValue(polling)!), parsed.GetValue(idle),
    parsed.GetValue(window), parsed.GetValue(concurrency)));
root.Subcommands.Add(lateness);

var writes = new Option<int>("--writes") { Description = "writes per single-writer measurement (a quarter of it per concurrent writer)", DefaultValueFactory = _ => 40 };
var writers = new Option<int>("--writers") { Description = "concurrent writers", DefaultValueFactory = _ => 20 };
var variants = new Option<string>("--variants")
{
    Description = "tuning variants to run, by number (" + string.Join(", ", WriteLatency.All.Select((v, i) => $"{i}: {v.Name}")) + ")",
    DefaultValueFactory = _ => string.Join(",", WriteLatency.All.Select((_, i) => i)),
};
var latency = new Command("writes", "Write latency through the AccountWrite orchestration, per tuning variant.") { writes, writers, variants };
latency.SetAction(parsed => WriteLatency.RunAsync(
    parsed.GetValue(variants)!.Split(',').Select(i => WriteLatency.All[int.Parse(i, CultureInfo.InvariantCulture)]).ToList(),
    parsed.GetValue(writes), parsed.GetValue(writers)));
root.Subcommands.Add(latency);

var total = new Option<int>("--writes") { Description = "writes to the one account", DefaultValueFactory = _ => 10_000 };
var checkpoints = new Option<string>("--checkpoints") { Description = "write counts at which to measure", DefaultValueFactory = _ => "4,100,1000,2500,5000,7500,10000" };
var senders = new Option<int>("--senders") { Description = "concurrent signal senders", DefaultValueFactory = _ => 20 };
var minutes = new Option<double>("--max-minutes") { Description = "stop at the next checkpoint after this long", DefaultValueFactory = _ => 45 };
var state = new Command("state", "Entity state size and write latency as one account's writes grow.") { total, checkpoints, senders, minutes };
state.SetAction(parsed => StateGrowth.RunAsync(parsed.GetValue(total),
    parsed.GetValue(checkpoints)!.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray(), parsed.GetValue(senders), parsed.GetValue(minutes)));
root.Subcommands.Add(state);

return await root.Parse(args).InvokeAsync();

static List<double> Seconds(string list) => list.Split(',').Select(s => double.Parse(s, CultureInfo.InvariantCulture)).ToList();
