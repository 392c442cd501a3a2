using Polly;
using Polly.Retry;

namespace BillingFunctions.Server.Cutoffs;

/// <summary>
/// When a cut-off call that got no 2xx is tried again: Polly's retry strategy, exponential backoff with jitter starting
/// at <see cref="WebhookOptions.InitialBackoffMilliseconds"/>, each wait capped at <see cref="WebhookOptions.MaxBackoffSeconds"/>,
/// and no further attempt once an attempt fails <see cref="WebhookOptions.GiveUpAfterSeconds"/> or more after the
/// depletion was committed. Polly runs one delivery's attempts and waits while the process lives; the dispatcher writes
/// each attempt and the instant of the next before Polly waits (<see cref="CutoffDispatcher"/>).
/// <para>
/// After a restart a delivery resumes from its record: its next attempt waits for the stored instant, and Polly's
/// schedule for the rest starts from the delay the doubling had reached, <c>initial × 2^(attempts − 1)</c> (capped), so
/// a restart neither resets the backoff to its first step nor sends anything early.
/// </para>
/// </summary>
internal sealed class CutoffRetrySchedule
{
    /// <summary>Where a run finds its delivery (Polly hands the same context to every callback of one execution).</summary>
    public static readonly ResiliencePropertyKey<DeliveryRun> RunKey = new("billing.cutoff-delivery");

    private readonly ResiliencePipeline<AttemptResult>[] _pipelines;
    private readonly long _giveUpAfter;

    /// <param name="onRetry">Called with the failed attempt and Polly's delay, before Polly waits it out.</param>
    public CutoffRetrySchedule(WebhookOptions options, TimeProvider clock, Func<DeliveryRun, AttemptResult, TimeSpan, ValueTask> onRetry)
    {
        _giveUpAfter = TimeSpan.FromSeconds(options.GiveUpAfterSeconds).Ticks;
        var initial = TimeSpan.FromMilliseconds(options.InitialBackoffMilliseconds);
        var cap = TimeSpan.FromSeconds(options.MaxBackoffSeconds);
        // One pipeline per first delay: initial, initial × 2, ... up to the cap, where every later run starts too.
        var firstDelays = new List<TimeSpan> { initial };
        while (firstDelays[^1] < cap)
            firstDelays.Add(firstDelays[^1] * 2 < cap ? firstDelays[^1] * 2 : cap);
        _pipelines = firstDelays.Select(delay => Build(delay, cap, clock, onRetry)).ToArray();
    }

    /// <summary>The pipeline for a delivery that has made <paramref name="attempts"/> attempts so far.</summary>
    public ResiliencePipeline<AttemptResult> After(int attempts) => _pipelines[Math.Clamp(attempts - 1, 0, _pipelines.Length - 1)];

    /// <summary>The give-up rule: a failed attempt this long after the depletion was committed is the last one.</summary>
    public bool GivesUp(CutoffDelivery delivery, long failedAt) => failedAt - delivery.CreatedAt >= _giveUpAfter;

    private ResiliencePipeline<AttemptResult> Build(TimeSpan firstDelay, TimeSpan cap, TimeProvider clock,
        Func<DeliveryRun, AttemptResult, TimeSpan, ValueTask> onRetry) =>
        new ResiliencePipelineBuilder<AttemptResult> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<AttemptResult>
            {
                // A failed attempt is retried until the horizon; anything thrown (shutting down, a bug) ends the run as it is.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Result is { Delivered: false } failed
                    && !GivesUp(args.Context.Properties.GetValue(RunKey, null!).Delivery, failed.At)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = firstDelay,
                MaxDelay = cap,
                MaxRetryAttempts = int.MaxValue, // the horizon, not a count, ends the retries
                OnRetry = args => onRetry(args.Context.Properties.GetValue(RunKey, null!), args.Outcome.Result!, args.RetryDelay),
            })
            .Build();
}

/// <summary>One delivery while this process runs its attempts: its record as last written.</summary>
internal sealed class DeliveryRun(CutoffDelivery delivery)
{
    public CutoffDelivery Delivery { get; set; } = delivery;

    /// <summary>Between a failed attempt and the next one (Polly is waiting).</summary>
    public bool Waiting { get; set; }
}

/// <summary>One attempt: its number (1, 2, ...), when it ended, and for a failure why (text for the record, a type for metrics).</summary>
internal sealed record AttemptResult(int Number, long At, string? Error, string? ErrorType)
{
    public bool Delivered => Error is null;
}
