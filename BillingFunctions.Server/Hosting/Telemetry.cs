using BillingFunctions.Contract.Telemetry;
using Microsoft.Extensions.Diagnostics.Metrics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace BillingFunctions.Server.Hosting;

/// <summary>
/// Metrics and traces (docs/operations.md). Metrics: the <see cref="BillingMetrics"/> meter plus ASP.NET Core's and
/// HttpClient's own, always on, scraped at <see cref="MetricsPath"/> in the Prometheus format. With an OTLP endpoint
/// configured (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>, and the other standard <c>OTEL_*</c> variables), metrics are also
/// pushed there, and traces of requests and cut-off calls are recorded and sent there; without one, no traces are
/// recorded at all, since there would be nowhere to send them.
/// </summary>
internal static class Telemetry
{
    public const string MetricsPath = "/metrics";

    /// <summary>The <c>service.name</c> unless <c>OTEL_SERVICE_NAME</c> says otherwise.</summary>
    public const string ServiceName = "billing-server";

    public static void AddBillingTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var services = builder.Services;
        // Enabled by rule for the meter this host's own factory made (MeterScope.Local) rather than by name across the
        // process: a process that runs more than one server (the tests, the benchmark) keeps each server's figures apart.
        services.AddMetrics(metrics => metrics.EnableMetrics(BillingMetrics.MeterName, instrumentName: null, listenerName: null, MeterScope.Local));
        services.AddSingleton<BillingInstruments>();

        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
                    resource.AddService(ServiceName);
            })
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation().AddHttpClientInstrumentation().AddPrometheusExporter();
                if (otlp)
                    metrics.AddOtlpExporter();
            });
        if (otlp)
            telemetry.WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !context.Request.Path.StartsWithSegments(MetricsPath))
                .AddHttpClientInstrumentation()
                .AddOtlpExporter());
    }

    /// <summary>The scraping endpoint, behind the same API key as every other route.</summary>
    public static void MapMetrics(this WebApplication app) => app.MapPrometheusScrapingEndpoint(MetricsPath);
}
