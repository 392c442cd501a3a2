using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Effects;
using BillingFunctions.Orders;
using BillingFunctions.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions;

/// <summary>
/// The app's own services, registered in one place: the Functions host's <c>Program</c> calls this, and so does anything
/// that runs the app's functions without that host (the Durable runtime tests and benchmarks), so both build the
/// entity, activities and HTTP functions from the same registrations.
/// </summary>
public static class BillingServices
{
    public static IServiceCollection AddBilling(this IServiceCollection services, BillingSettings settings)
    {
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<BillingInstruments>();
        services.AddSingleton<BillingTables>();
        services.AddSingleton<BasketStore>();
        services.AddSingleton<OrderBus>();
        services.AddCutoffHttp(settings);
        return services;
    }
}
