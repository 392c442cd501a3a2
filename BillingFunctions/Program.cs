using BillingFunctions;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddBilling(BillingSettings.From(builder.Configuration));
builder.Services.AddBillingTelemetry(builder.Configuration);
builder.Build().Run();
