using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Server.Engine;
using Polly;

namespace BillingFunctions.Server.Cutoffs;

/// <summary>
/// Delivers cut-off calls from the durable outbox: at least once, each attempt with its own timeout, retried on the
/// <see cref="CutoffRetrySchedule"/> until a 2xx or the give-up horizon. Attempts run concurrently (bounded), so a slow
/// or dead receiver delays only its own calls. Every attempt is recorded through the writer, and a failed one with the
/// instant of the next before the wait begins, so a restarted server resumes each pending delivery where it was.
/// </summary>
public sealed class CutoffDispatcher : IDisposable
{
    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly string? _secret;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Action<CutoffDelivery> _record;
    private readonly BillingInstruments? _instruments;
    private readonly CutoffRetrySchedule _schedule;
    private readonly SemaphoreSlim _slots;
    private readonly DueQueue<CutoffDelivery> _due;
    private readonly CancellationTokenSource _stopping = new();
    private int _inFlight;
    private int _retrying;

    /// <param name="instruments">Where attempts and lateness are counted; null: nowhere.</param>
    public CutoffDispatcher(HttpClient http, BillingOptions options, TimeProvider clock, ILogger<CutoffDispatcher> logger,
        Action<CutoffDelivery> record, BillingInstruments? instruments = null)
    {
        _http = http;
        _options = options.Webhook;
        _secret = string.IsNullOrEmpty(options.WebhookSecret) ? null : options.WebhookSecret;
        _clock = clock;
        _logger = logger;
        _record = record;
        _instruments = instruments;
        _schedule = new CutoffRetrySchedule(_options, clock, Retrying);
        _slots = new SemaphoreSlim(_options.MaxConcurrentDeliveries);
        _due = new DueQueue<CutoffDelivery>("cutoff-deliveries", clock, delivery => _ = RunAsync(delivery));
    }

    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>Deliveries waiting for their first attempt after a commit or a restart, or for their next one after a failure.</summary>
    public int Waiting => _due.Count + Volatile.Read(ref _retrying);

    /// <summary>Takes a pending delivery; its next attempt is made at its <see cref="CutoffDelivery.NextAttemptAt"/>, not before.</summary>
    public void Enqueue(CutoffDelivery delivery) => _due.Schedule(delivery, delivery.NextAttemptAt);

    /// <summary>
    /// Runs the cold parts of an attempt once, sending nothing: the retry pipeline (with an attempt that succeeds, after
    /// yielding as a send does) and the signed request. Attempts run one after another on the due queue's thread up to their first wait, so the
    /// first cut-off after a start would otherwise pay for compiling them, about 35 ms on a busy 2-core machine, and
    /// every cut-off due in that instant would wait behind it. The HTTP client's own first send is not warmed: that would
    /// take a real request, and nothing is sent that is not a cut-off.
    /// </summary>
    public void WarmUp()
    {
        using (CutoffSignature.Request("http://warm-up.invalid/", "warm-up", "warm-up", _clock.GetUtcNow().ToUnixTimeSeconds(), 1, _secret ?? "warm-up"))
        {
        }
        var now = _clock.GetUtcNow().UtcTicks;
        var context = ResilienceContextPool.Shared.Get(_stopping.Token);
        context.Properties.Set(CutoffRetrySchedule.RunKey, new DeliveryRun(
            new CutoffDelivery("warm-up", "warm-up", "http://warm-up.invalid/", 0, now, now, DeliveryStatus.Pending, 0, now)));
        try
        {
            // The same call shape as a real run (the state a reference), so the code compiled here is the code a run uses,
            // and an attempt that completes later, as a send does, so the pipeline's asynchronous path is compiled too.
            _schedule.After(0).ExecuteAsync(static async (_, self) =>
                {
                    await Task.Yield();
                    return new AttemptResult(1, self._clock.GetUtcNow().UtcTicks, null, null);
                }, context, this)
                .AsTask().GetAwaiter().GetResult(); // a delivered attempt: ends without a retry
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _due.Dispose();
    }

    /// <summary>A delivery's attempts until it is delivered, given up, or the process stops (then it stays pending in the outbox).</summary>
    private async Task RunAsync(CutoffDelivery delivery)
    {
        var run = new DeliveryRun(delivery);
        var context = ResilienceContextPool.Shared.Get(_stopping.Token);
        context.Properties.Set(CutoffRetrySchedule.RunKey, run);
        try
        {
            var last = await _schedule.After(delivery.Attempts)
                .ExecuteAsync(static (context, self) => self.AttemptAsync(context), context, this).ConfigureAwait(false);
            if (last.Delivered)
                Delivered(run.Delivery, last);
            else
                GaveUp(run.Delivery, last);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the row is still pending in the outbox and is retried after restart.
        }
        catch (Exception bug)
        {
            _logger.LogError(bug, "Cut-off {EventId} for {AccountId} stopped; it stays pending and is resumed at the next start",
                delivery.EventId, delivery.AccountId);
        }
        finally
        {
            if (run.Waiting)
                Interlocked.Decrement(ref _retrying);
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async ValueTask<AttemptResult> AttemptAsync(ResilienceContext context)
    {
        var run = context.Properties.GetValue(CutoffRetrySchedule.RunKey, null!);
        if (run.Waiting)
        {
            run.Waiting = false;
            Interlocked.Decrement(ref _retrying);
        }
        await NotBefore(run.Delivery.NextAttemptAt, context.CancellationToken).ConfigureAwait(false);
        await _slots.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _inFlight);
        try
        {
            var number = run.Delivery.Attempts + 1;
            var (error, errorType) = await SendAsync(run.Delivery, number).ConfigureAwait(false);
            return new AttemptResult(number, _clock.GetUtcNow().UtcTicks, error, errorType);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _slots.Release();
        }
    }

    /// <summary>Polly is about to wait <paramref name="delay"/>: the failed attempt and the next instant are recorded first.</summary>
    private ValueTask Retrying(DeliveryRun run, AttemptResult failed, TimeSpan delay)
    {
        var retry = run.Delivery with { Attempts = failed.Number, LastError = failed.Error, NextAttemptAt = _clock.GetUtcNow().UtcTicks + delay.Ticks };
        run.Delivery = retry;
        run.Waiting = true;
        Interlocked.Increment(ref _retrying);
        _logger.LogWarning("Cut-off {EventId} for {AccountId} attempt {Attempt} failed ({Error}); retrying at {RetryAt:O}",
            retry.EventId, retry.AccountId, failed.Number, failed.Error, new DateTime(retry.NextAttemptAt, DateTimeKind.Utc));
        _instruments?.CutoffAttemptFailed(failed.ErrorType!, WebhookOutcome.Failed);
        _record(retry);
        return ValueTask.CompletedTask;
    }

    private void Delivered(CutoffDelivery delivery, AttemptResult attempt)
    {
        _logger.LogInformation("Cut-off {EventId} for {AccountId} delivered on attempt {Attempt}, {LatenessMicroseconds} µs after the zero instant",
            delivery.EventId, delivery.AccountId, attempt.Number, (attempt.At - delivery.DepletedAt) / 10);
        _instruments?.CutoffDelivered(delivery.DepletedAt, attempt.At);
        _record(delivery with { Status = DeliveryStatus.Delivered, Attempts = attempt.Number, DeliveredAt = attempt.At, LastError = null });
    }

    private void GaveUp(CutoffDelivery delivery, AttemptResult attempt)
    {
        _logger.LogError("Gave up on cut-off {EventId} for {AccountId} after {Attempts} attempts: {Error}",
            delivery.EventId, delivery.AccountId, attempt.Number, attempt.Error);
        _instruments?.CutoffAttemptFailed(attempt.ErrorType!, WebhookOutcome.GaveUp);
        _record(delivery with { Status = DeliveryStatus.Failed, Attempts = attempt.Number, LastError = attempt.Error });
    }

    /// <summary>
    /// Never early: Polly waits on a timer, while the stored instant is by the clock, which a timer can run a fraction of a
    /// millisecond ahead of (or which can step). Whatever is left is waited out, a second at most at a time so a clock
    /// that steps forward is noticed.
    /// </summary>
    private async Task NotBefore(long at, CancellationToken cancellation)
    {
        long remaining;
        while ((remaining = at - _clock.GetUtcNow().UtcTicks) > 0)
        {
            var milliseconds = Math.Min(1000, (remaining + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
            await Task.Delay(TimeSpan.FromMilliseconds(milliseconds), _clock, cancellation).ConfigureAwait(false);
        }
    }

    /// <summary>One attempt; no error on a 2xx, otherwise why it failed and the kind of failure.</summary>
    private async Task<(string? Error, string? ErrorType)> SendAsync(CutoffDelivery delivery, int attempt)
    {
        using var request = CutoffSignature.Request(delivery.Url, delivery.EventId, delivery.AccountId,
            _clock.GetUtcNow().ToUnixTimeSeconds(), attempt, _secret);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? (null, null) : ($"HTTP {(int)response.StatusCode}", WebhookErrorType.Of(response.StatusCode));
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            return ($"timed out after {_options.TimeoutSeconds} s", WebhookErrorType.Timeout);
        }
        catch (HttpRequestException e)
        {
            return (e.Message, WebhookErrorType.Of(e));
        }
    }
}
