using System.Diagnostics;
using BillingFunctions.Server.Api;
using Microsoft.AspNetCore.Connections;

namespace BillingFunctions.Server.Hosting;

/// <summary>
/// The first step of a graceful stop (SIGTERM, Ctrl+C, a host stop): clients leave before the listener closes, so
/// that no request they send is cut off unanswered.
/// <para>
/// Kestrel's own stop closes every keep-alive connection that is between requests. A client that has just sent its
/// next request on one gets the connection dropped, not an answer, and cannot tell whether the write was applied.
/// So before Kestrel stops, this drain answers every new request 503 <c>shutting-down</c> with <c>Retry-After</c> and
/// <c>Connection: close</c>, and waits until no connection is left open, or no request has arrived for
/// <see cref="QuietPeriod"/>, or <see cref="BillingOptions.ShutdownDrainSeconds"/> have passed. Requests already taken
/// carry on meanwhile, and the engine keeps committing until the host has stopped: Kestrel waits for those requests
/// (within the host's shutdown timeout), and only then is the engine disposed and the data directory released.
/// </para>
/// </summary>
internal sealed class ShutdownDrain(BillingOptions options, ILogger<ShutdownDrain> logger) : IHostedLifecycleService
{
    /// <summary>
    /// With no request for this long, a connection still open is idle in a client's pool: closing it now races only a
    /// request sent at that very instant, which the client sees as a failed connection and retries with its operation id.
    /// </summary>
    public static readonly TimeSpan QuietPeriod = TimeSpan.FromMilliseconds(500);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(10);

    private volatile bool _draining;
    private int _openConnections;
    private long _lastRefusedAt;

    /// <summary>Connection middleware: counts the open client connections.</summary>
    public async Task TrackConnection(ConnectionContext connection, ConnectionDelegate next)
    {
        Interlocked.Increment(ref _openConnections);
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _openConnections);
        }
    }

    /// <summary>Request middleware, first in the pipeline: once draining, nothing new is taken.</summary>
    public Task Handle(HttpContext context, RequestDelegate next)
    {
        if (!_draining)
            return next(context);
        Volatile.Write(ref _lastRefusedAt, Environment.TickCount64);
        if (HttpProtocol.IsHttp11(context.Request.Protocol))
            context.Response.Headers.Connection = "close"; // HTTP/2 has no such header: its GOAWAY at Kestrel's stop is clean
        return Problems.ShuttingDown().ExecuteAsync(context);
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        _draining = true;
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref _lastRefusedAt, Environment.TickCount64);
        var limit = TimeSpan.FromSeconds(options.ShutdownDrainSeconds);
        logger.LogInformation("Stopping: new requests are answered 503 shutting-down; waiting up to {Limit} s for clients to leave", limit.TotalSeconds);
        try
        {
            while (clock.Elapsed < limit && Volatile.Read(ref _openConnections) > 0
                && Environment.TickCount64 - Volatile.Read(ref _lastRefusedAt) < QuietPeriod.TotalMilliseconds)
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The host's shutdown timeout: stop draining, let Kestrel close what is left.
        }
        logger.LogInformation("Drained in {Milliseconds} ms; {OpenConnections} client connections still open are closed now",
            clock.ElapsedMilliseconds, Volatile.Read(ref _openConnections));
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
