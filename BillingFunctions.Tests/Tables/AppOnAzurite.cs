using System.Diagnostics.Metrics;
using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using BillingFunctions;
using BillingFunctions.Effects;
using BillingFunctions.Tables;

namespace BillingFunctions.Tests.Tables;

/// <summary>
/// The Functions app's own settings, tables and cut-off client, configured the way the Functions host configures them
/// for local development (<c>AzureWebJobsStorage</c> = a storage connection string), against the run's Azurite.
/// Tests share Azurite's tables and stay independent by using partition keys of their own (<see cref="Unique"/>):
/// every table operation of the app is scoped to one partition.
/// </summary>
internal static class AppOnAzurite
{
    public static async Task<BillingSettings> Settings(params (string Key, string? Value)[] settings)
    {
        var azurite = await Azurite.Instance;
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = azurite.ConnectionString,
            ["Billing:AllowedPrivateCallbackHosts:0"] = "127.0.0.1",
            ["Billing:WebhookSecret"] = "table-tests",
        };
        foreach (var (key, value) in settings)
            values[key] = value;
        return BillingSettings.From(new ConfigurationBuilder().AddInMemoryCollection(values).Build());
    }

    public static async Task<BillingTables> Tables() => new(await Settings());

    /// <summary>The cut-off activity class with the client <c>Program</c> registers for it.</summary>
    public static EventRecording Recording(BillingSettings settings, BillingTables tables) =>
        Recording(settings, tables, new BillingInstruments(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>()));

    /// <summary>The cut-off activity class recording on the given instruments.</summary>
    public static EventRecording Recording(BillingSettings settings, BillingTables tables, BillingInstruments instruments)
    {
        var services = new ServiceCollection().AddLogging();
        CutoffHttp.AddCutoffHttp(services, settings);
        var http = services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        return new EventRecording(tables, settings, http, TimeProvider.System, NullLogger<EventRecording>.Instance, instruments);
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
