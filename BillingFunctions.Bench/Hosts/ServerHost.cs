using BillingFunctions.Server.Engine;
using BillingFunctions.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Bench.Hosts;

/// <summary>
/// The real server, built by <see cref="BillingServer.Build"/> exactly as <c>Program</c> does, listening on a
/// loopback port in this process, over a real SQLite file with the default durability.
/// </summary>
internal sealed class ServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ServerHost(WebApplication app, string baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    public string BaseUrl { get; }
    public BillingEngine Engine => _app.Services.GetRequiredService<BillingEngine>();
    public IServiceProvider Services => _app.Services;

    public static async Task<ServerHost> StartAsync(string dataDirectory, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--environment", "Production",
            $"--Billing:DataDirectory={dataDirectory}",
            "--Billing:AllowedCallbackHosts:0=127.0.0.1",
            "--Billing:WebhookSecret=bench-secret",
            // Per-delivery information logs would measure the console, not the server.
            "--Logging:LogLevel:Default=Warning",
            "--Logging:Console:FormatterName=simple",
            .. settings.Select(s => "--" + s),
        ];
        var app = BillingServer.Build(args);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new ServerHost(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
