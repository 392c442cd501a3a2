using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using BillingFunctions.Contract.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace BillingFunctions;

/// <summary>
/// The <see cref="BillingMetrics"/> meter's instruments, exported to Application Insights by the Azure Monitor
/// OpenTelemetry exporter when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is set (infra/main.bicep sets it); without
/// it nothing is exported. Metrics only: the Functions host already sends the worker's logs and the invocations.
/// </summary>
public static class BillingTelemetry
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>The Functions host's own switch for Entra ID ingestion: <c>Authorization=AAD</c>, with <c>ClientId=…</c> for a user-assigned identity.</summary>
    public const string AuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    public static IServiceCollection AddBillingTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = configuration[ConnectionStringSetting];
        if (string.IsNullOrWhiteSpace(connectionString))
            return services;
        var credential = Credential(configuration[AuthenticationSetting]);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(configuration["WEBSITE_SITE_NAME"] ?? "billing-functions"))
            .WithMetrics(metrics => metrics
                .AddMeter(BillingMetrics.MeterName)
                .AddAzureMonitorMetricExporter(exporter =>
                {
                    exporter.ConnectionString = connectionString;
                    // The template disables Application Insights' local (key) auth: ingestion then takes the app's identity.
                    if (credential is not null)
                        exporter.Credential = credential;
                }));
        return services;
    }

    /// <summary>The app's managed identity when the authentication string asks for Entra ID, else none (the key in the connection string).</summary>
    private static TokenCredential? Credential(string? authentication)
    {
        var parts = (authentication ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.OrdinalIgnoreCase);
        if (!parts.TryGetValue("Authorization", out var kind) || !kind.Equals("AAD", StringComparison.OrdinalIgnoreCase))
            return null;
        return parts.TryGetValue("ClientId", out var clientId)
            ? new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId))
            : new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
    }
}
