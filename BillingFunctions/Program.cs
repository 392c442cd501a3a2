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
builder.Services.AddCutoffHttp(settings);

builder.Build().Run();
