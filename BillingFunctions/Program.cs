using BillingFunctions;
using BillingFunctions.Effects;
using BillingFunctions.Orders;
using BillingFunctions.Tables;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();

var settings = BillingSettings.From(builder.Configuration);
builder.Services.AddSingleton(settings);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<BillingTables>();
builder.Services.AddSingleton<BasketStore>();
builder.Services.AddSingleton<OrderBus>();
// Cut-off calls: redirects are failed attempts, never followed (a receiver cannot bounce us to an internal address).
builder.Services.AddHttpClient(nameof(EventRecording.DeliverCutoff))
    .ConfigurePrimaryHttpMessageHandler(() => new HttpClientHandler { AllowAutoRedirect = false });

builder.Build().Run();
