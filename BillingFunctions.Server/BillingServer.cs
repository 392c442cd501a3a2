using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Core.Identity;
using BillingFunctions.Server.Api;
using BillingFunctions.Server.Cutoffs;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Hosting;
using BillingFunctions.Server.Orders;
using BillingFunctions.Server.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using BillingFunctions.Server.Accounts;
using BillingFunctions.Server.Queues;

namespace BillingFunctions.Server;

/// <summary>Composes the self-hosted server: store, engine, wake timer, cut-off outbox, HTTP API.</summary>
public static class BillingServer
{
    /// <summary>
    /// Composes the app, then takes the data directory and opens the store in it. The app's services own the directory
    /// from then on: it is released when they are disposed, after the last commit.
    /// </summary>
    /// <param name="configure">Replaces services before the app is built; tests use it to give the server a clock of their own.</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is unreadable or out of range; nothing was started.</exception>
    /// <exception cref="DataDirectoryInUseException">Another process owns the data directory (after waiting, if configured to).</exception>
    public static WebApplication Build(string[] args, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(args);
        var options = BillingOptionsValidator.Read(builder.Configuration);
        DataDirectoryLock? directory = null;
        var app = Compose(builder, options, () => directory ?? throw new InvalidOperationException("The data directory is not locked yet."), configure);
        try
        {
            // Only once everything else is ready, so a successor waiting here takes over soon after the owner lets go;
            // and before anything reads state, so a second process stops here having read and changed nothing.
            directory = DataDirectoryLock.Acquire(options.DataDirectory, TimeSpan.FromSeconds(options.DataDirectoryLockWaitSeconds),
                // Logging does not exist yet, and an operator should not wonder why nothing happens.
                holder => Console.Error.WriteLine($"Data directory {Path.GetFullPath(options.DataDirectory)} is in use by "
                    + $"{(holder is { } pid ? $"process {pid}" : "another process")}; waiting up to {options.DataDirectoryLockWaitSeconds} s for it to be released."));
            app.Services.GetRequiredService<SqliteStore>(); // opened now, so that disposing the app releases the directory
            return app;
        }
        catch
        {
            directory?.Dispose();
            ((IDisposable)app).Dispose();
            throw;
        }
    }

    private static WebApplication Compose(WebApplicationBuilder builder, BillingOptions options, Func<DataDirectoryLock> directory,
        Action<IServiceCollection>? configure)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.ConfigureEndpointDefaults(listen =>
                listen.Use(next => connection => listen.ApplicationServices.GetRequiredService<ShutdownDrain>().TrackConnection(connection, next)));
        });

        builder.AddBillingTelemetry();
        var services = builder.Services;
        services.AddOpenApi(openApi => openApi.AddSchemaTransformer<RequestBodySchemas>());
        services.AddProblemDetails();
        services.AddSingleton(options);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ShutdownDrain>();
        services.AddHostedService(provider => provider.GetRequiredService<ShutdownDrain>());
        services.AddSingleton(provider => new SqliteStore(directory(), options.SynchronousCommit, options.StorageBusyTimeoutSeconds,
            string.IsNullOrEmpty(options.LogDirectory) ? null : options.LogDirectory, provider.GetRequiredService<ILogger<SqliteStore>>()));
        services.AddSingleton(provider => new BillingEngine(provider.GetRequiredService<SqliteStore>(), provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<BillingEngine>>(), () => DefaultCutoffUrl(provider, options),
            options.MaxPendingWrites, options.MaxBatchSize, IdempotencyRetention.FromHours(options.IdempotencyRetentionHours),
            options.MaxUnprojectedWrites)
        {
            Instruments = provider.GetRequiredService<BillingInstruments>(),
        });
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
            provider.GetRequiredService<ILogger<CutoffDispatcher>>(), provider.GetRequiredService<BillingEngine>().RecordDelivery,
            provider.GetRequiredService<BillingInstruments>()));
        services.AddSingleton<DevCutoffReceiver>();
        services.AddSingleton(options.Queues);
        services.AddSingleton(provider => new OrderQueues(provider.GetRequiredService<BillingEngine>(),
            provider.GetRequiredService<SqliteStore>(), provider.GetRequiredService<TimeProvider>(), options.Queues));
        services.AddHostedService<BillingStartup>();
        services.AddHostedService<OrderConsumers>(); // after BillingStartup: consumers need a running writer
        services.AddHostedService<IdempotencyPruning>();
        configure?.Invoke(services);

        var app = builder.Build();
        app.Use(app.Services.GetRequiredService<ShutdownDrain>().Handle);
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
        app.MapMetrics();
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
    OrderQueues queues, BillingInstruments instruments, ILogger<BillingStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        engine.DeliveriesCommitted += deliveries =>
        {
            foreach (var delivery in deliveries)
                dispatcher.Enqueue(delivery);
        };
        engine.CutoffDueAhead += dispatcher.Enqueue;
        var pending = store.LoadPendingDeliveries();
        foreach (var delivery in pending)
            dispatcher.Enqueue(delivery);
        if (string.IsNullOrEmpty(options.WebhookSecret))
            logger.LogWarning("Billing:WebhookSecret is not set: cut-off calls are sent unsigned");
        var directory = store.DirectoryLock;
        if (directory.Waited > TimeSpan.Zero)
            logger.LogInformation("Took over data directory {DataDirectory} after waiting {WaitedSeconds:0.00} s for process {PreviousOwner} to release it",
                directory.Directory, directory.Waited.TotalSeconds, directory.WaitedFor);
        if (!directory.IsEnforced())
            logger.LogWarning("The file system of {DataDirectory} does not enforce {LockFile}: a second server on it would not be stopped at "
                + "start. The owner check in the database still stops the older one from writing, but run one server per directory",
                directory.Directory, DataDirectoryLock.FileName);
        logger.LogInformation("Resuming {PendingDeliveries} pending cut-off deliveries", pending.Count);
        instruments.ObservePendingWrites(() => engine.PendingWrites);
        instruments.ObserveUnprojectedWrites(() => store.UnprojectedWrites);
        instruments.ObserveAccounts(() => engine.AccountCount);
        instruments.ObserveQueues(() => queues.All.Select(queue => queue.Stats()).Select(stats => new QueueLevels(stats.Queue, stats.Active, stats.DeadLettered)));
        engine.WarmUpCutoffsAhead();
        dispatcher.WarmUp();
        engine.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
