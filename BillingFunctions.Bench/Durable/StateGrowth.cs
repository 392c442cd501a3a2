using System.Diagnostics;
using System.Globalization;
using System.Text;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Accounts;
using BillingFunctions.Transfers;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace BillingFunctions.Bench.Durable;

/// <summary>
/// How one account's entity state grows with its writes, and what that does to a write's latency. Writes carry an
/// operation id (so the entity keeps their answers for replays). The bulk of them are sent as signals of the entity's
/// <c>Write</c> operation — the same operation the <c>AccountWrite</c> orchestration calls, without waiting for each
/// answer — and at each checkpoint, once the entity has applied them all, probe writes go through the orchestration
/// (completion watched from 10 ms, backing off to 100 ms) and through the app's HTTP function, and the serialized state is measured.
/// </summary>
internal static class StateGrowth
{
    public static async Task RunAsync(int total, int[] checkpoints, int senders, double maxMinutes)
    {
        await using var receiver = await Tests.Support.CutoffReceiver.StartAsync();
        await using var runtime = await DurableRuntime.StartAsync("state", receiver.Url);
        var id = BillingCalls.NewAccountId("state");
        var peer = BillingCalls.NewAccountId("peer");
        if ((await runtime.Open(id)).Status != 201 || (await runtime.Open(peer)).Status != 201)
            throw new InvalidOperationException("Could not open the accounts.");

        var run = Stopwatch.StartNew();
        var rows = new List<string[]>();
        var written = 0;
        var transfers = 0; // each transfer is one more event on the account
        var points = checkpoints.Where(c => c <= total).Append(total).Distinct().Order().ToList();
        foreach (var point in points)
        {
            if (run.Elapsed.TotalMinutes > maxMinutes)
            {
                Output.Progress($"state: stopping at {written} writes after {Output.Seconds(run.Elapsed)} (limit {maxMinutes} min)");
                break;
            }
            // The probes below are writes too: count them in.
            var bulk = point - written - Probes;
            if (bulk > 0)
            {
                var sending = Stopwatch.StartNew();
                await Concurrently.ForEach(Enumerable.Range(written, bulk), senders, i =>
                    runtime.Client.Entities.SignalEntityAsync(AccountEntity.Id(id), nameof(AccountEntity.Write),
                        new AccountWrite(WriteKind.Credit, id, $"bulk-{i}", true, "credit:1", Amount: 1)));
                written += bulk;
                await AppliedAsync(runtime, id, written + transfers);
                Output.Progress($"state: {written} writes applied ({bulk} in {Output.Seconds(sending.Elapsed)})");
            }

            var orchestrated = new List<double>();
            for (var i = 0; i < Probes - 1; i++)
                orchestrated.Add(await Orchestrated(runtime, id, $"probe-{written + i}"));
            var http = Stopwatch.StartNew();
            var answer = await runtime.Credit(id, "0.000001", $"probe-http-{written}");
            var httpMs = http.Elapsed.TotalMilliseconds;
            if (answer.Status != 200)
                throw new InvalidOperationException($"Probe write refused: {answer}");
            written += Probes;
            // A transfer locks both entities and reads both records whole: its cost follows the records' size.
            var transferMs = await Orchestrated(runtime, nameof(TransferOrchestration.Transfer),
                new TransferWrite($"t-{written}", id, peer, 1));
            transfers++;

            var state = await runtime.Entities.GetSerializedStateAsync(AccountEntity.Id(id)) ?? "";
            var bytes = Encoding.UTF8.GetByteCount(state);
            rows.Add([written.ToString("N0", CultureInfo.InvariantCulture), (bytes / 1024.0).ToString("N1", CultureInfo.InvariantCulture),
                Samples.Ms(orchestrated.Min()), Samples.Ms(orchestrated.Max()), Samples.Ms(httpMs), Samples.Ms(transferMs), Output.Seconds(run.Elapsed)]);
            Output.Progress($"state: {written} writes, state {bytes / 1024.0:N1} KiB, orchestration {Samples.Ms(orchestrated.Min())}–{Samples.Ms(orchestrated.Max())} ms, HTTP {Samples.Ms(httpMs)} ms, transfer {Samples.Ms(transferMs)} ms");
        }
        Console.WriteLine($"### Entity state growth on the Durable runtime: one account, {written:N0} writes with operation ids");
        Console.WriteLine();
        Output.Table(["writes so far", "serialized state KiB", "orchestration min ms", "orchestration max ms", "HTTP write ms", "transfer orchestration ms", "elapsed"], rows);
    }

    private const int Probes = 4; // three through the orchestration, one through the HTTP function

    /// <summary>Waits until the entity has applied every event so far (opening is the first: version = events + 1).</summary>
    private static async Task AppliedAsync(DurableRuntime runtime, string id, int events)
    {
        while ((await runtime.Record(id))?.Account?.Version < events + 1)
            await Task.Delay(1000);
    }

    private static Task<double> Orchestrated(DurableRuntime runtime, string id, string operation) =>
        Orchestrated(runtime, nameof(AccountFunctions.AccountWrite), new AccountWrite(WriteKind.Credit, id, operation, true, "credit:1", Amount: 1));

    /// <summary>Schedules the orchestration as the app does and watches its completion (from 10 ms, backing off to 100 ms); its latency in ms.</summary>
    private static async Task<double> Orchestrated(DurableRuntime runtime, string name, object input)
    {
        var watch = Stopwatch.StartNew();
        var wait = 10;
        var instance = await runtime.Client.ScheduleNewOrchestrationInstanceAsync(new TaskName(name), input);
        while (true)
        {
            var state = await runtime.Client.GetInstanceAsync(instance, getInputsAndOutputs: true);
            if (state is { IsCompleted: true })
                return state.RuntimeStatus == OrchestrationRuntimeStatus.Completed && state.ReadOutputAs<EntityAnswer>()!.Status == 200
                    ? watch.Elapsed.TotalMilliseconds
                    : throw new InvalidOperationException($"{name} {instance} ended {state.RuntimeStatus}: {state.SerializedOutput}");
            // Backing off keeps many concurrent watchers from loading the storage emulator they are measuring.
            await Task.Delay(wait);
            wait = Math.Min(wait * 2, 100);
        }
    }
}
