using System.Diagnostics;
using System.Globalization;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Bench.Durable;

/// <summary>
/// Cut-off lateness on the Durable runtime at several <c>MaxQueuePollingInterval</c> settings. Per setting, on a fresh
/// task hub: N accounts are opened and credited, then given a rate so that their zero instants come after the worker
/// has been idle for a while (the queues' polling has backed off) and spread over a window. Each cut-off is recorded
/// by a real loopback receiver; lateness = arrival − the <c>depletesAt</c> the rate write answered.
/// </summary>
internal static class CutoffLateness
{
    private const long Balance = 1000; // whole units
    public static async Task RunAsync(int accounts, IReadOnlyList<double> pollingSeconds, double idleSeconds, double windowSeconds, int concurrency)
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        var rows = new List<string[]>();
        foreach (var polling in pollingSeconds)
        {
            var interval = TimeSpan.FromSeconds(polling);
            var host = HostDurableSettings.FromRepository() with { MaxQueuePollingInterval = interval };
            Output.Progress($"lateness: polling {interval}, {accounts} accounts");
            await using var runtime = await DurableRuntime.StartAsync($"late{polling:0.###}".Replace(".", "p"), receiver.Url, host);
            var ids = Enumerable.Range(0, accounts).Select(i => BillingCalls.NewAccountId($"late{i}")).ToList();

            // Every account gets the same balance; its rate is computed when it is sent so that account i reaches zero
            // at (rate phase start + lead + window × i / N), and the answer's depletesAt is the truth measured against.
            // The lead is the idle time plus the rate phase's expected length (at most the setup phase, which makes
            // twice as many writes); the idle time actually achieved is reported.
            var setup = Stopwatch.StartNew();
            await Concurrently.ForEach(ids, concurrency, async id =>
            {
                await Retrying(() => runtime.Open(id), 201, 200);
                await Retrying(() => runtime.Credit(id, Balance.ToString(), "fund-" + id), 200);
            });
            var setupTime = setup.Elapsed;
            Output.Progress($"lateness: opened and credited in {Output.Seconds(setupTime)}; setting rates");
            var start = DateTime.UtcNow.Ticks;
            var lead = TimeSpan.FromSeconds(idleSeconds).Ticks + setupTime.Ticks;
            var spread = TimeSpan.FromSeconds(windowSeconds).Ticks;
            var depletesAt = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
            await Concurrently.ForEach(ids.Select((id, i) => (id, i)), concurrency, async account =>
            {
                var planned = start + lead + spread * account.i / accounts;
                var left = Math.Max(TimeSpan.TicksPerSecond, planned - DateTime.UtcNow.Ticks);
                var rate = new Rate((long)((Int128)Balance * 1_000_000_000_000L * TimeSpan.TicksPerSecond / left)); // pico-units per second
                depletesAt[account.id] = (await Retrying(() => runtime.SetRate(account.id, rate.ToString(), "rate-" + account.id), 200)).Json.Ticks("depletesAt");
            });
            var lastWrite = DateTime.UtcNow.Ticks;
            var idle = TimeSpan.FromTicks(depletesAt.Values.Min() - lastWrite);
            Output.Progress($"lateness: rates set; idle {Output.Seconds(idle)} before the first zero instant");

            var deadline = new DateTime(depletesAt.Values.Max(), DateTimeKind.Utc) + 4 * interval + TimeSpan.FromSeconds(90);
            while (DateTime.UtcNow < deadline && ids.Any(id => receiver.CallsFor(id).Count == 0))
                await Task.Delay(250);
            await Task.Delay(TimeSpan.FromSeconds(2) + interval); // room for duplicates

            var lateness = new List<double>();
            var (early, duplicates, missing) = (0, 0, 0);
            foreach (var id in ids)
            {
                var calls = receiver.CallsFor(id);
                if (calls.Count == 0)
                {
                    missing++;
                    continue;
                }
                duplicates += calls.Count - 1;
                var ms = (calls.Min(c => c.ArrivedTicks) - depletesAt[id]) / (double)TimeSpan.TicksPerMillisecond;
                if (ms < 0)
                    early++;
                lateness.Add(ms);
            }
            var samples = new Samples(lateness);
            rows.Add([Output.Seconds(interval), accounts.ToString(), Output.Seconds(idle), Samples.Ms(samples.Percentile(50)),
                Samples.Ms(samples.Percentile(99)), Samples.Ms(samples.Max), early.ToString(), duplicates.ToString(), missing.ToString()]);
            Output.Progress($"lateness: polling {interval}: p50 {Samples.Ms(samples.Percentile(50))} ms, p99 {Samples.Ms(samples.Percentile(99))} ms, " +
                $"max {Samples.Ms(samples.Max)} ms, early {early}, duplicates {duplicates}, missing {missing}");
        }
        Console.WriteLine($"### Cut-off lateness on the Durable runtime (Azure Storage provider on Azurite), {accounts} accounts over {windowSeconds} s");
        Console.WriteLine();
        Output.Table(["maxQueuePollingInterval", "accounts", "idle before", "p50 ms", "p99 ms", "max ms", "early", "duplicates", "missing"], rows);
    }

    /// <summary>
    /// Calls until the write answers, as a client should: a write that has not answered within the app's wait (503
    /// write-pending) is retried with the same operation id, which returns its first answer once it is applied.
    /// </summary>
    private static async Task<HttpAnswer> Retrying(Func<Task<HttpAnswer>> call, params int[] expected)
    {
        while (true)
        {
            var answer = await call();
            if (expected.Contains(answer.Status))
                return answer;
            if (answer.Status != 503)
                throw new InvalidOperationException($"Expected {string.Join(" or ", expected)}, got {answer}");
            await Task.Delay(1000);
        }
    }
}
