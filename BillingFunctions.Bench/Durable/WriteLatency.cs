using System.Collections.Concurrent;
using System.Diagnostics;
using BillingFunctions.Tests.Durable.Runtime;
using DurableTask.AzureStorage;
using BillingFunctions.Accounts;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace BillingFunctions.Bench.Durable;

/// <summary>
/// Write latency through the <c>AccountWrite</c> orchestration, for tuning variants of the Durable settings. Two views:
/// <list type="bullet">
/// <item><b>HTTP write</b>: the app's credit function end to end, as a caller sees it (including how the app waits for the
///   orchestration's answer);</item>
/// <item><b>orchestration</b>: the same write scheduled directly and its completion watched from 10 ms, backing off to 100 ms — what the
///   runtime itself takes, without the app's wait.</item>
/// </list>
/// Each variant runs on a fresh task hub; a few writes warm it up first.
/// </summary>
internal static class WriteLatency
{
    public sealed record Variant(string Name, Func<HostDurableSettings, HostDurableSettings> Host, Action<AzureStorageOrchestrationServiceSettings>? Tune = null);

    public static IReadOnlyList<Variant> All { get; } =
    [
        new("Durable defaults (polling 30 s)", h => h with { MaxQueuePollingInterval = TimeSpan.FromSeconds(30) }),
        new("host.json", h => h),
        new("partitionCount 1", h => h with { PartitionCount = 1 }),
        new("partitionCount 16", h => h with { PartitionCount = 16 }),
        new("extended sessions", h => h with { ExtendedSessionsEnabled = true }),
        new("maxQueuePollingInterval 0.1 s", h => h with { MaxQueuePollingInterval = TimeSpan.FromMilliseconds(100) }),
        new("concurrency 4 (orch/entity/activity)", h => h with { MaxConcurrentOrchestratorFunctions = 4, MaxConcurrentEntityFunctions = 4, MaxConcurrentActivityFunctions = 4 }),
    ];

    public static async Task RunAsync(IReadOnlyList<Variant> variants, int writes, int writers)
    {
        await using var receiver = await Tests.Support.CutoffReceiver.StartAsync();
        var rows = new List<string[]>();
        foreach (var variant in variants)
        {
            Output.Progress($"writes: {variant.Name}");
            var host = variant.Host(HostDurableSettings.FromRepository());
            await using var runtime = await DurableRuntime.StartAsync("writes", receiver.Url, host, variant.Tune);

            var single = BillingCalls.NewAccountId("w1");
            await Open(runtime, single);
            for (var i = 0; i < 3; i++)
                await Credit(runtime, single); // warm-up

            var httpOne = new List<double>();
            for (var i = 0; i < writes; i++)
                httpOne.Add(await Credit(runtime, single));
            var orchestrationOne = new List<double>();
            for (var i = 0; i < writes; i++)
                orchestrationOne.Add(await Orchestrated(runtime, single));

            var accounts = Enumerable.Range(0, writers).Select(i => BillingCalls.NewAccountId($"w{i}")).ToList();
            await Task.WhenAll(accounts.Select(a => Open(runtime, a)));
            var perWriter = Math.Max(1, writes / 4);
            var httpMany = await Many(accounts, perWriter, a => Credit(runtime, a));
            var orchestrationMany = await Many(accounts, perWriter, a => Orchestrated(runtime, a));
            var httpShared = await Many(Enumerable.Repeat(single, writers).ToList(), Math.Max(1, perWriter / 2), a => Credit(runtime, a));

            void Row(string view, IEnumerable<double> samples)
            {
                var s = new Samples(samples);
                rows.Add([variant.Name, view, s.Count.ToString(), Samples.Ms(s.Percentile(50)), Samples.Ms(s.Percentile(99)), Samples.Ms(s.Max)]);
            }
            Row("HTTP write, 1 writer", httpOne);
            Row($"HTTP write, {writers} writers (own accounts)", httpMany);
            Row($"HTTP write, {writers} writers (one account)", httpShared);
            Row("orchestration, 1 writer", orchestrationOne);
            Row($"orchestration, {writers} writers (own accounts)", orchestrationMany);
            Output.Progress($"writes: {variant.Name}: HTTP 1 writer p50 {Samples.Ms(new Samples(httpOne).Percentile(50))} ms, " +
                $"orchestration p50 {Samples.Ms(new Samples(orchestrationOne).Percentile(50))} ms");
        }
        Console.WriteLine("### Write latency through the AccountWrite orchestration (Azure Storage provider on Azurite)");
        Console.WriteLine();
        Output.Table(["variant", "view", "writes", "p50 ms", "p99 ms", "max ms"], rows);
    }

    private static async Task Open(DurableRuntime runtime, string id)
    {
        var answer = await runtime.Open(id);
        if (answer.Status != 201)
            throw new InvalidOperationException($"Open {id}: {answer}");
    }

    /// <summary>One credit through the app's HTTP function; its latency in ms.</summary>
    private static async Task<double> Credit(DurableRuntime runtime, string id)
    {
        var watch = Stopwatch.StartNew();
        var answer = await runtime.Credit(id, "0.000001", "c-" + Guid.NewGuid().ToString("N"));
        var elapsed = watch.Elapsed.TotalMilliseconds;
        return answer.Status == 200 ? elapsed : throw new InvalidOperationException($"Credit {id}: {answer}");
    }

    /// <summary>One credit as the app's function schedules it, its completion watched from 10 ms, backing off to 100 ms; latency in ms.</summary>
    private static async Task<double> Orchestrated(DurableRuntime runtime, string id)
    {
        var operation = "o-" + Guid.NewGuid().ToString("N");
        var write = new AccountWrite(WriteKind.Credit, id, operation, true, "credit:1", Amount: 1);
        var watch = Stopwatch.StartNew();
        var wait = 10;
        var instance = await runtime.Client.ScheduleNewOrchestrationInstanceAsync(new TaskName(nameof(AccountFunctions.AccountWrite)), write);
        while (true)
        {
            var state = await runtime.Client.GetInstanceAsync(instance, getInputsAndOutputs: true);
            if (state is { RuntimeStatus: OrchestrationRuntimeStatus.Completed })
            {
                var elapsed = watch.Elapsed.TotalMilliseconds;
                return state.ReadOutputAs<EntityAnswer>()!.Status == 200 ? elapsed : throw new InvalidOperationException($"Write {operation} refused.");
            }
            if (state is { IsCompleted: true })
                throw new InvalidOperationException($"AccountWrite {instance} ended {state.RuntimeStatus}.");
            // Backing off keeps many concurrent watchers from loading the storage emulator they are measuring.
            await Task.Delay(wait);
            wait = Math.Min(wait * 2, 100);
        }
    }

    /// <summary>Each writer writes <paramref name="perWriter"/> times in turn; all writers at once.</summary>
    private static async Task<List<double>> Many(IReadOnlyList<string> accounts, int perWriter, Func<string, Task<double>> write)
    {
        var samples = new ConcurrentBag<double>();
        await Task.WhenAll(accounts.Select(async account =>
        {
            for (var i = 0; i < perWriter; i++)
                samples.Add(await write(account));
        }));
        return samples.ToList();
    }
}
