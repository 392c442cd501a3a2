using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BillingFunctions.Tests.Support;

/// <summary>
/// A real HTTP listener on a loopback port standing in for the platform: records each cut-off GET with
/// its arrival instant. It can be told to fail or to answer slowly, to exercise retries.
/// </summary>
public sealed class CutoffReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCall> _calls = new();
    private int _arrivals;

    private CutoffReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public int Port => new Uri(Url).Port;

    /// <summary>Status answered while failing (0 = answer 200).</summary>
    public int FailWith { get; set; }

    public TimeSpan Delay { get; set; }

    /// <summary>While set, calls that arrive wait for this task before answering: a test decides when they finish.</summary>
    public Task? HoldUntil { get; set; }

    public IReadOnlyList<ReceivedCall> Calls => _calls.ToArray();

    /// <summary>Calls that have arrived, including those still being answered slowly.</summary>
    public int Arrivals => Volatile.Read(ref _arrivals);

    public IReadOnlyList<ReceivedCall> CallsFor(string accountId) => _calls.Where(c => c.AccountId == accountId).ToList();

    /// <param name="port">0 for any free port; a fixed one to bring a receiver back where an earlier one was.</param>
    public static async Task<CutoffReceiver> StartAsync(int port = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new CutoffReceiver(app);
        app.MapGet("/cutoff", async (HttpRequest request) =>
        {
            var arrived = DateTime.UtcNow.Ticks;
            Interlocked.Increment(ref receiver._arrivals);
            var hold = receiver.HoldUntil;
            if (receiver.Delay > TimeSpan.Zero || hold is not null)
            {
                try
                {
                    await Task.Delay(receiver.Delay, request.HttpContext.RequestAborted);
                    if (hold is not null)
                        await hold.WaitAsync(request.HttpContext.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return Results.Empty; // the caller gave up or died: it never saw an answer, so nothing was received
                }
            }
            var failing = receiver.FailWith;
            receiver._calls.Enqueue(new ReceivedCall(request.Query["userId"].ToString(), request.Headers["X-Billing-Event-Id"].ToString(),
                request.Headers["X-Billing-Timestamp"].ToString(), request.Headers["X-Billing-Signature"].ToString(), arrived, failing,
                int.TryParse(request.Headers["X-Billing-Attempt"].ToString(), out var attempt) ? attempt : 0));
            return failing == 0 ? Results.Ok() : Results.StatusCode(failing);
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/cutoff";
        return receiver;
    }

    /// <summary>Waits until <paramref name="count"/> successful calls for the account arrived, or the timeout passes.</summary>
    public async Task<IReadOnlyList<ReceivedCall>> WaitForAsync(string accountId, int count = 1, int timeoutSeconds = 15)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            var delivered = CallsFor(accountId).Where(c => c.AnsweredStatus == 0).ToList();
            if (delivered.Count >= count)
                return delivered;
            await Task.Delay(20);
        }
        return CallsFor(accountId).Where(c => c.AnsweredStatus == 0).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <param name="Attempt">The <c>X-Billing-Attempt</c> header (0 when absent).</param>
    public sealed record ReceivedCall(string AccountId, string EventId, string Timestamp, string Signature, long ArrivedTicks, int AnsweredStatus,
        int Attempt);
}
