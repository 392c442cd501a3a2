using BillingFunctions.Local.Api;
using BillingFunctions.Local.Dev;
using BillingFunctions.Local.Engine;
using BillingFunctions.Local.Orders;
using BillingFunctions.Local.Storage;
using BillingFunctions.Local.Webhooks;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace BillingFunctions.Local;

/// <summary>Composes the self-hosted server: store, engine, wake timer, cut-off outbox, HTTP API.</summary>
public static class BillingServer
{
    /// <param name="configure">Replaces services before the app is built; tests use it to give the server a clock of their own.</param>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = builder.Configuration.GetSection(BillingOptions.Section).Get<BillingOptions>() ?? new BillingOptions();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes);

        var services = builder.Services;
        services.AddOpenApi();
        services.AddProblemDetails();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => new SqliteStore(options.DataDirectory, options.SynchronousCommit, options.StorageBusyTimeoutSeconds));
        services.AddSingleton(provider => new BillingEngine(provider.GetRequiredService<SqliteStore>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<BillingEngine>>(), () => DefaultCutoffUrl(provider, options),
            options.MaxPendingWrites, options.MaxBatchSize));
        var connector = new CallbackConnector(options.AllowedPrivateCallbackHosts, options.AllowedCallbackHosts, options.CutoffUrl,
            options.DevReceiver);
        services.AddHttpClient(nameof(CutoffDispatcher))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // A redirect could lead anywhere, past the allow-list: a redirect is a failed attempt.
                AllowAutoRedirect = false,
                // The address rule applies to where we really connect: no proxy in between, and only vetted addresses.
                UseProxy = false,
                ConnectCallback = connector.ConnectAsync,
                ConnectTimeout = TimeSpan.FromSeconds(options.Webhook.TimeoutSeconds),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                MaxConnectionsPerServer = options.Webhook.MaxConcurrentDeliveries,
            });
        services.AddSingleton(provider => new CutoffDispatcher(
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(CutoffDispatcher)), options, provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<CutoffDispatcher>>(), provider.GetRequiredService<BillingEngine>().RecordDelivery));
        services.AddSingleton<DevCutoffReceiver>();
        services.AddSingleton(options.Queues);
        services.AddSingleton(provider => new OrderQueues(provider.GetRequiredService<BillingEngine>(),
            provider.GetRequiredService<SqliteStore>(), provider.GetRequiredService<TimeProvider>(), options.Queues));
        services.AddHostedService<BillingStartup>();
        services.AddHostedService<OrderConsumers>(); // after BillingStartup: consumers need a running writer
        configure?.Invoke(services);

        var app = builder.Build();
        app.UseExceptionHandler(errors => errors.Run(context =>
        {
            var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
            return error is BadHttpRequestException bad
                ? Results.Problem(statusCode: bad.StatusCode, title: "Bad request", type: Problems.TypePrefix + "bad-request").ExecuteAsync(context)
                : Problems.Internal().ExecuteAsync(context);
        }));
        app.UseApiKey(options.ApiKey);

        var api = app.MapGroup("/api");
        api.MapAccounts();
        api.MapHolds();
        api.MapTransfers();
        api.MapEvents();
        api.MapOrders();
        api.MapQueues();
        app.MapOpenApi();
        if (options.DevReceiver)
            app.Services.GetRequiredService<DevCutoffReceiver>().Map(app);
        return app;
    }

    /// <summary>The configured default, else (in development) our own receiver at the address we listen on.</summary>
    private static string? DefaultCutoffUrl(IServiceProvider provider, BillingOptions options)
    {
        if (!string.IsNullOrEmpty(options.CutoffUrl) || !options.DevReceiver)
            return string.IsNullOrEmpty(options.CutoffUrl) ? null : options.CutoffUrl;
        var address = provider.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
            return null;
        var uri = new UriBuilder(address.Replace("://+", "://localhost").Replace("://*", "://localhost").Replace("://[::]", "://localhost").Replace("://0.0.0.0", "://localhost"));
        return uri.Uri.GetLeftPart(UriPartial.Authority) + DevCutoffReceiver.Path;
    }
}

/// <summary>
/// Starts the engine in the right order: the dispatcher is listening for new deliveries and holds every
/// pending one from the outbox before the writer runs its first batch, so no delivery is missed or sent twice.
/// </summary>
internal sealed class BillingStartup(BillingEngine engine, CutoffDispatcher dispatcher, SqliteStore store, BillingOptions options,
    ILogger<BillingStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        engine.DeliveriesCommitted += deliveries =>
        {
            foreach (var delivery in deliveries)
                dispatcher.Enqueue(delivery);
        };
        var pending = store.LoadPendingDeliveries();
        foreach (var delivery in pending)
            dispatcher.Enqueue(delivery);
        if (string.IsNullOrEmpty(options.WebhookSecret))
            logger.LogWarning("Billing:WebhookSecret is not set: cut-off calls are sent unsigned");
        logger.LogInformation("Resuming {PendingDeliveries} pending cut-off deliveries", pending.Count);
        engine.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
