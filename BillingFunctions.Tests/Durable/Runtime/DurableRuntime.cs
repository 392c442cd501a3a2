using BillingFunctions.Tests.Support;
using DurableTask.AzureStorage;
using DurableTask.Core;
using BillingFunctions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker.Extensions.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// The app's Durable functions on the real Durable Task runtime, without the Functions host: DurableTask.Core's
/// <see cref="TaskHubWorker"/> over <see cref="AzureStorageOrchestrationService"/> against Azurite, configured as
/// host.json configures the Durable extension, with the app's entity, orchestrations and activities adapted by
/// <see cref="DurableTaskShimFactory"/> (see <see cref="AppDurableFunctions"/>).
/// <para>
/// The services are the ones a Functions worker would have: the worker's defaults and the Durable extension's own
/// startup (so the data converter and the shim factory are the extension's), then the app's registrations
/// (<c>AddBilling</c>) with settings pointing at Azurite's tables and the given cut-off receiver.
/// </para>
/// The worker can be stopped and started again on a new service object, as a restarted Functions host would be.
/// </summary>
public sealed class DurableRuntime : IAsyncDisposable
{
    public const string WebhookSecret = "durable-tests-secret";

    private readonly ServiceProvider _services;
    private readonly Func<AzureStorageOrchestrationServiceSettings> _storageSettings;
    private readonly DurableTaskShimFactory _shims;
    private TaskHubWorker? _worker;

    private DurableRuntime(ServiceProvider services, Func<AzureStorageOrchestrationServiceSettings> storageSettings, RecordedLogs logs,
        HostDurableSettings host, string taskHub)
    {
        _services = services;
        _storageSettings = storageSettings;
        _shims = services.GetRequiredService<DurableTaskShimFactory>();
        Logs = logs;
        Host = host;
        TaskHub = taskHub;
        var clientService = new AzureStorageOrchestrationService(storageSettings());
        Client = new TaskHubDurableClient(clientService, clientService,
            services.GetRequiredService<IOptions<DurableTaskClientOptions>>().Value.DataConverter);
    }

    public IServiceProvider Services => _services;

    /// <summary>The client the app's functions are given as their <c>[DurableClient]</c>.</summary>
    public TaskHubDurableClient Client { get; }

    public TaskHubEntityClient Entities => (TaskHubEntityClient)Client.Entities;

    public BillingSettings Settings => _services.GetRequiredService<BillingSettings>();

    public RecordedLogs Logs { get; }

    public HostDurableSettings Host { get; }

    public string TaskHub { get; }

    /// <summary>Starts a runtime on its own task hub (<paramref name="name"/> plus a random suffix) and its worker.</summary>
    /// <param name="tune">Changes to the storage provider settings after host.json's (benchmarks try alternatives).</param>
    public static async Task<DurableRuntime> StartAsync(string name, string cutoffUrl, HostDurableSettings? host = null,
        Action<AzureStorageOrchestrationServiceSettings>? tune = null, IReadOnlyDictionary<string, string?>? configuration = null)
    {
        var azurite = await Azurite.Instance;
        host ??= HostDurableSettings.FromRepository();
        var taskHub = TaskHubName(name);
        var logs = new RecordedLogs();

        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Billing:CutoffUrl"] = cutoffUrl,
            ["Billing:WebhookSecret"] = WebhookSecret,
            // The receiver listens on loopback; the app refuses private addresses unless a host is listed as allowed.
            ["Billing:AllowedPrivateCallbackHosts:0"] = "127.0.0.1",
            // Writes answer "still in progress" after this long; generous, because the machine is shared and noisy.
            ["Billing:WriteTimeoutSeconds"] = "120",
            // No Service Bus broker runs here: a namespace that refuses connections, so a send fails as it would in an outage.
            ["ServiceBusConnection"] = "Endpoint=sb://127.0.0.1/;SharedAccessKeyName=none;SharedAccessKey=none",
        };
        foreach (var (key, value) in configuration ?? new Dictionary<string, string?>())
            values[key] = value;
        var config = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(config);
        services.AddLogging(logging => logging.AddProvider(logs));
        new DurableTaskExtensionStartup().Configure(services.AddFunctionsWorkerDefaults());
        services.AddBilling(BillingSettings.From(config));
        var provider = services.BuildServiceProvider();

        var loggerFactory = provider.GetRequiredService<ILoggerFactory>();
        AzureStorageOrchestrationServiceSettings StorageSettings()
        {
            var settings = new AzureStorageOrchestrationServiceSettings
            {
                StorageAccountClientProvider = new StorageAccountClientProvider(azurite.ConnectionString),
                TaskHubName = taskHub,
                UseSeparateQueueForEntityWorkItems = true,
                MaxQueuePollingInterval = host.MaxQueuePollingInterval,
                PartitionCount = host.PartitionCount,
                MaxConcurrentTaskActivityWorkItems = host.MaxConcurrentActivityFunctions,
                MaxConcurrentTaskOrchestrationWorkItems = host.MaxConcurrentOrchestratorFunctions,
                MaxConcurrentTaskEntityWorkItems = host.MaxConcurrentEntityFunctions,
                ExtendedSessionsEnabled = host.ExtendedSessionsEnabled,
                // As the Durable extension sets it: a start request for an instance that is still running is refused.
                ThrowExceptionOnInvalidDedupeStatus = true,
                LoggerFactory = loggerFactory,
            };
            tune?.Invoke(settings);
            return settings;
        }

        var runtime = new DurableRuntime(provider, StorageSettings, logs, host, taskHub);
        await runtime.StartWorkerAsync();
        return runtime;
    }

    /// <summary>Starts a worker on a new orchestration service object (creating the task hub the first time).</summary>
    public async Task StartWorkerAsync()
    {
        if (_worker is not null)
            throw new InvalidOperationException("The worker is already running.");
        var service = new AzureStorageOrchestrationService(_storageSettings());
        await service.CreateIfNotExistsAsync();
        var worker = new TaskHubWorker(service, _services.GetRequiredService<ILoggerFactory>());
        worker.AddEntityDispatcherMiddleware(new EntitySessionCache().RunAsync);
        AppDurableFunctions.Register(worker, _shims, _services);
        await worker.StartAsync();
        _worker = worker;
    }

    /// <summary>Stops the worker as a host shutting down does: in-flight work items finish, partition leases are released.</summary>
    public async Task StopWorkerAsync()
    {
        if (_worker is not { } worker)
            return;
        _worker = null;
        await worker.StopAsync(isForced: false);
        worker.Dispose();
    }

    /// <summary>One call of an HTTP function, the way the Functions ASP.NET Core integration makes it.</summary>
    public Task<HttpAnswer> CallAsync<TFunctions>(Func<TFunctions, HttpRequest, Task<IActionResult>> function, string method,
        string? json = null, string? idempotencyKey = null) where TFunctions : class =>
        FunctionHttp.CallAsync(_services, function, method, json, idempotencyKey);

    public async ValueTask DisposeAsync()
    {
        await StopWorkerAsync();
        await _services.DisposeAsync();
    }

    private static string TaskHubName(string name)
    {
        // Task hub names are 3 to 45 letters and digits, starting with a letter.
        var letters = new string(name.Where(char.IsAsciiLetterOrDigit).ToArray());
        var prefix = letters.Length > 0 && char.IsAsciiLetter(letters[0]) ? letters : "hub" + letters;
        return prefix[..Math.Min(prefix.Length, 32)] + Guid.NewGuid().ToString("N")[..8];
    }
}
