using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Webhooks;

/// <summary>
/// Delivers cut-off calls from the durable outbox: at least once, each attempt with its own timeout,
/// retried with exponential backoff and jitter until a 2xx or the give-up horizon. Attempts run
/// concurrently (bounded), so a slow or dead receiver delays only its own calls.
/// </summary>
public sealed class CutoffDispatcher : IDisposable
{
    private readonly HttpClient _http;
    private readonly WebhookOptions _options;
    private readonly string? _secret;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Action<CutoffDelivery> _record;
    private readonly SemaphoreSlim _slots;
    private readonly DueQueue<CutoffDelivery> _due;
    private readonly CancellationTokenSource _stopping = new();
    private int _inFlight;

    public CutoffDispatcher(HttpClient http, BillingOptions options, TimeProvider clock, ILogger<CutoffDispatcher> logger,
        Action<CutoffDelivery> record)
    {
        _http = http;
        _options = options.Webhook;
        _secret = string.IsNullOrEmpty(options.WebhookSecret) ? null : options.WebhookSecret;
        _clock = clock;
        _logger = logger;
        _record = record;
        _slots = new SemaphoreSlim(_options.MaxConcurrentDeliveries);
        _due = new DueQueue<CutoffDelivery>("cutoff-deliveries", clock, delivery => _ = AttemptAsync(delivery));
    }

    public int InFlight => Volatile.Read(ref _inFlight);
    public int Waiting => _due.Count;

    public void Enqueue(CutoffDelivery delivery) => _due.Schedule(delivery, delivery.NextAttemptAt);

    public void Dispose()
    {
        _stopping.Cancel();
        _due.Dispose();
    }

    private async Task AttemptAsync(CutoffDelivery delivery)
    {
        await _slots.WaitAsync(_stopping.Token).ConfigureAwait(false);
        Interlocked.Increment(ref _inFlight);
        try
        {
            var attempt = delivery.Attempts + 1;
            var error = await SendAsync(delivery, attempt).ConfigureAwait(false);
            var now = _clock.GetUtcNow().UtcTicks;
            if (error is null)
            {
                _logger.LogInformation("Cut-off {EventId} for {AccountId} delivered on attempt {Attempt}, {LatenessMicroseconds} µs after the zero instant",
                    delivery.EventId, delivery.AccountId, attempt, (now - delivery.DepletedAt) / 10);
                _record(delivery with { Status = DeliveryStatus.Delivered, Attempts = attempt, DeliveredAt = now, LastError = null });
                return;
            }
            if (now - delivery.CreatedAt >= TimeSpan.FromSeconds(_options.GiveUpAfterSeconds).Ticks)
            {
                _logger.LogError("Gave up on cut-off {EventId} for {AccountId} after {Attempts} attempts: {Error}",
                    delivery.EventId, delivery.AccountId, attempt, error);
                _record(delivery with { Status = DeliveryStatus.Failed, Attempts = attempt, LastError = error });
                return;
            }
            var retry = delivery with { Attempts = attempt, LastError = error, NextAttemptAt = now + Backoff(attempt) };
            _logger.LogWarning("Cut-off {EventId} for {AccountId} attempt {Attempt} failed ({Error}); retrying at {RetryAt:O}",
                delivery.EventId, delivery.AccountId, attempt, error, new DateTime(retry.NextAttemptAt, DateTimeKind.Utc));
            _record(retry);
            _due.Schedule(retry, retry.NextAttemptAt);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Shutting down: the row is still pending in the outbox and is retried after restart.
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            _slots.Release();
        }
    }

    /// <summary>One attempt; returns null on a 2xx, otherwise why it failed.</summary>
    private async Task<string?> SendAsync(CutoffDelivery delivery, int attempt)
    {
        using var request = CutoffSignature.Request(delivery.Url, delivery.EventId, delivery.AccountId,
            _clock.GetUtcNow().ToUnixTimeSeconds(), attempt, _secret);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(_options.TimeoutSeconds));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}";
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            return $"timed out after {_options.TimeoutSeconds} s";
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
    }

    /// <summary>Exponential, capped, with "equal jitter": half the delay fixed, half random, so retries do not stampede.</summary>
    private long Backoff(int attempt)
    {
        var initial = TimeSpan.FromMilliseconds(_options.InitialBackoffMilliseconds).Ticks;
        var cap = TimeSpan.FromSeconds(_options.MaxBackoffSeconds).Ticks;
        var delay = attempt >= 30 ? cap : Math.Min(cap, initial << (attempt - 1));
        return delay / 2 + Random.Shared.NextInt64(delay / 2 + 1);
    }
}
