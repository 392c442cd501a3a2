using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BillingFunctions.Bench.Hosts;

/// <summary>
/// A real HTTP listener on a loopback port standing in for the platform: records every cut-off GET with the
/// instant it arrived (before any deliberate slowness), then answers 200, after <c>delay</c> if one is set.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Arrival> _arrivals = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public IReadOnlyCollection<Arrival> Arrivals => _arrivals;

    public static async Task<WebhookReceiver> StartAsync(TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapGet("/cutoff", async (HttpRequest request) =>
        {
            var arrived = DateTime.UtcNow.Ticks;
            receiver._arrivals.Enqueue(new Arrival(request.Query["userId"].ToString(), request.Headers["X-Billing-Event-Id"].ToString(), arrived));
            if (delay > TimeSpan.Zero)
                await Task.Delay(delay);
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/cutoff";
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    public sealed record Arrival(string AccountId, string EventId, long ArrivedTicks);
}
