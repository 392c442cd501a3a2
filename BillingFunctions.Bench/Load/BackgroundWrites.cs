using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using BillingFunctions.Bench.Hosts;
using BillingFunctions.Bench.Reporting;

namespace BillingFunctions.Bench.Load;

/// <summary>What a paced background load achieved: answered writes per second over the time it ran, failures, latencies (µs).</summary>
internal sealed record BackgroundResult(int AskedPerSecond, double AchievedPerSecond, long Failed, long Dropped, Latencies Latencies);

/// <summary>
/// Credits and debits over HTTP on a pool of accounts of their own, at a fixed rate whatever the answers take
/// (open loop: a slow answer does not slow the next write, as real traffic would not wait). A token bucket refilled
/// from a stopwatch on every tick of a 5 ms timer, so timer jitter does not change the rate. Writes owed while
/// <see cref="MaxInFlight"/> are unanswered are dropped, not saved up, and counted: the achieved rate then shows it.
/// </summary>
internal sealed class BackgroundWrites
{
    private const int MaxInFlight = 512;
    private const string Amount = "0.01";
    private const string OpeningBalance = "1000000";

    private readonly BenchClient _client;
    private readonly string[] _accounts;
    private readonly int _perSecond;

    private BackgroundWrites(BenchClient client, string[] accounts, int perSecond)
    {
        _client = client;
        _accounts = accounts;
        _perSecond = perSecond;
    }

    /// <summary>Opens and funds the pool (no rate, so these accounts never fall due themselves).</summary>
    public static async Task<BackgroundWrites> OpenAsync(BenchClient client, int accounts, int perSecond, ProgressLine progress)
    {
        var ids = Enumerable.Range(0, accounts).Select(i => $"background-{i:D6}").ToArray();
        progress.Stage($"background load: opening and funding {accounts:N0} accounts of its own");
        await Parallel.ForAsync(0, accounts, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, _) =>
            await client.OpenAndFund(ids[i], "{}", OpeningBalance));
        return new BackgroundWrites(client, ids, perSecond);
    }

    /// <summary>Starts writing; the load runs until it is stopped.</summary>
    public Running Start(string label) => new(this, label);

    internal sealed class Running
    {
        private readonly BackgroundWrites _load;
        private readonly string _label;
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentQueue<long> _latencies = new();
        private readonly List<Task> _writes = [];
        private readonly Task _pacing;
        private TimeSpan _ran;
        private long _inFlight;
        private long _failed;
        private long _dropped;

        public Running(BackgroundWrites load, string label)
        {
            _load = load;
            _label = label;
            _pacing = Task.Run(PaceAsync);
        }

        /// <summary>Stops issuing, waits for the writes still unanswered, and reports the rate over the time it ran.</summary>
        public async Task<BackgroundResult> StopAsync()
        {
            await _stop.CancelAsync();
            await _pacing;
            await Task.WhenAll(_writes);
            _stop.Dispose();
            var answered = _latencies.Count;
            return new BackgroundResult(_load._perSecond, answered / _ran.TotalSeconds, _failed, _dropped, new Latencies(_latencies));
        }

        private async Task PaceAsync()
        {
            var clock = Stopwatch.StartNew();
            var random = new Random(17);
            long sent = 0;
            using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5));
            try
            {
                while (await timer.WaitForNextTickAsync(_stop.Token))
                {
                    var owed = (long)(clock.Elapsed.TotalSeconds * _load._perSecond) - sent;
                    for (; owed > 0; owed--, sent++)
                    {
                        if (Interlocked.Read(ref _inFlight) >= MaxInFlight)
                        {
                            _dropped++;
                            continue;
                        }
                        Interlocked.Increment(ref _inFlight);
                        _writes.Add(WriteAsync(random.Next(_load._accounts.Length), random.Next(2) == 0 ? "credits" : "debits", sent));
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
            _ran = clock.Elapsed;
        }

        private async Task WriteAsync(int account, string kind, long sequence)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var status = await _load._client.Send(HttpMethod.Post, $"/api/accounts/{_load._accounts[account]}/{kind}",
                    $$"""{"amount":"{{Amount}}"}""", $"background-{_label}-{sequence}");
                if (status == HttpStatusCode.OK)
                    _latencies.Enqueue((long)Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                else
                    Interlocked.Increment(ref _failed);
            }
            catch (Exception failure) when (failure is HttpRequestException or TaskCanceledException)
            {
                Interlocked.Increment(ref _failed);
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }
    }
}
