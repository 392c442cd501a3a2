using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using BillingFunctions.Tests.Fuzzing;
using BillingFunctions.Tests.Support;
using BillingFunctions.Accounts;
using BillingFunctions.Effects;
using BillingFunctions.Orders;
using BillingFunctions.Transfers;

namespace BillingFunctions.Tests.Functions;

/// <summary>
/// The <c>functions.metadata</c> the Worker SDK wrote for the app in this build: the Functions host knows the app's
/// functions, their triggers and their routes only from this file, so a trigger or binding missing here is a function
/// that never runs. Its HTTP routes are checked against the self-hosted server's own route table (its OpenAPI
/// document, which the fuzzer's route list must also match).
/// </summary>
public sealed class FunctionMetadataTests
{
    /// <summary>
    /// Server routes the Azure app deliberately does not serve (docs/azure.md, "Differences from the self-hosted server").
    /// Every other route of the server must be an HTTP function with the same methods.
    /// </summary>
    private static readonly HashSet<(string Method, string Route)> NotServedOnAzure =
    [
        // The global ordered event feed: Table Storage has no order across partitions (the per-account ledger is served).
        ("GET", "/api/events"),
        // Cut-off deliveries are rows of the webhookdeliveries table.
        ("GET", "/api/cutoff-deliveries"),
        // Reports the server's own engine (pending writes, wakes, deliveries, queues, log checkpoints), which does not exist
        // here; the platform monitors the Functions app.
        ("GET", "/api/health"),
        // Service Bus keeps the queue counts and the dead-letter sub-queues (portal, Service Bus Explorer, Azure Monitor).
        ("GET", "/api/queues"),
        ("GET", "/api/queues/{queue}/dead-letters"),
        ("POST", "/api/queues/{queue}/dead-letters/{sequence}/resubmit"),
    ];

    private static readonly Lazy<JsonElement[]> Functions = new(ReadMetadata);

    [Fact]
    public async Task Every_http_function_serves_a_route_of_the_self_hosted_server_with_the_same_methods_and_only_the_listed_routes_are_missing()
    {
        var server = await ServerRoutes();
        var prefix = RoutePrefix();
        var azure = new HashSet<(string, string)>();
        foreach (var function in Functions.Value)
        {
            if (Trigger(function) is not { } trigger || trigger.GetProperty("type").GetString() != "httpTrigger")
                continue;
            var route = $"/{prefix}/{trigger.GetProperty("route").GetString()}";
            foreach (var method in trigger.GetProperty("methods").EnumerateArray())
                Assert.True(azure.Add((method.GetString()!.ToUpperInvariant(), route)), $"two functions serve {method} {route}");
        }

        Assert.True(NotServedOnAzure.IsSubsetOf(server),
            $"listed as not served on Azure but not a route of the server: {Show(NotServedOnAzure.Except(server))}");
        var expected = server.Except(NotServedOnAzure).ToHashSet();
        Assert.True(expected.SetEquals(azure),
            $"server routes without an HTTP function: {Show(expected.Except(azure))}\nHTTP functions the server does not have: {Show(azure.Except(expected))}");
    }

    [Fact]
    public async Task The_fuzzers_route_list_is_the_servers_route_table()
    {
        var fuzzed = FuzzRoutes.All.Select(r => (r.Method, r.Template)).ToHashSet();
        var server = await ServerRoutes();
        Assert.True(server.SetEquals(fuzzed), $"only on the server: {Show(server.Except(fuzzed))}\nonly in FuzzRoutes: {Show(fuzzed.Except(server))}");
    }

    [Fact]
    public void The_entity_the_orchestrations_and_the_activities_have_their_durable_triggers()
    {
        Assert.Equal("entityTrigger", TriggerType(AccountEntity.Name));
        Assert.Equal("account", AccountEntity.Name); // the entity name is part of every instance id already stored
        foreach (var orchestration in new[]
                 {
                     nameof(AccountFunctions.AccountWrite), nameof(TransferOrchestration.Transfer), nameof(OrderFunctions.ChargeOrder),
                     nameof(EventRecording.RecordEvents),
                 })
            Assert.Equal("orchestrationTrigger", TriggerType(orchestration));
        foreach (var activity in new[] { nameof(EventRecording.WriteLedger), nameof(EventRecording.DeliverCutoff) })
            Assert.Equal("activityTrigger", TriggerType(activity));
    }

    [Fact]
    public void Every_function_in_the_app_is_in_the_metadata_with_the_trigger_its_code_declares()
    {
        var declared = DeclaredFunctions();
        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), Functions.Value.Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal));
        foreach (var (name, trigger) in declared)
            Assert.True(trigger == TriggerType(name), $"{name}: the code declares a {trigger}, the metadata has {TriggerType(name) ?? "no trigger"}");
    }

    [Fact]
    public void Both_service_bus_triggers_carry_their_queue_or_topic_subscription_and_connection()
    {
        var orders = Trigger(Function(nameof(OrderFunctions.ChargeOrders)))!.Value;
        Assert.Equal("serviceBusTrigger", orders.GetProperty("type").GetString());
        Assert.Equal("orders", orders.GetProperty("queueName").GetString());
        Assert.False(orders.TryGetProperty("topicName", out _));
        Assert.Equal("ServiceBusConnection", orders.GetProperty("connection").GetString());
        // Settled by the function itself (complete, abandon, dead-letter): the host must not complete it on return.
        Assert.Equal(JsonValueKind.False, orders.GetProperty("autoCompleteMessages").ValueKind);

        var results = Trigger(Function(nameof(OrderFunctions.RecordNotification)))!.Value;
        Assert.Equal("serviceBusTrigger", results.GetProperty("type").GetString());
        Assert.Equal("payment-results", results.GetProperty("topicName").GetString());
        Assert.Equal("notifications", results.GetProperty("subscriptionName").GetString());
        Assert.False(results.TryGetProperty("queueName", out _));
        Assert.Equal("ServiceBusConnection", results.GetProperty("connection").GetString());
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>
    /// The metadata beside the app's build output for this test's configuration and framework
    /// (<c>BillingFunctions/bin/{Configuration}/{tfm}/functions.metadata</c>), from the same build as the app assembly
    /// these tests load.
    /// </summary>
    private static JsonElement[] ReadMetadata()
    {
        var configuration = typeof(FunctionMetadataTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration
                            ?? throw new InvalidOperationException("The test assembly names no build configuration.");
        var framework = new DirectoryInfo(AppContext.BaseDirectory).Name;
        var output = Path.Combine(Azurite.RepositoryRoot(), "BillingFunctions", "bin", configuration, framework);
        var path = Path.Combine(output, "functions.metadata");
        Assert.True(File.Exists(path),
            $"No {path}. The Azure Functions Worker SDK writes it when BillingFunctions builds: run 'dotnet build BillingFunctions.Tests -c {configuration}'.");
        var app = typeof(AccountEntity).Assembly;
        Assert.True(ModuleVersionId(Path.Combine(output, "BillingFunctions.dll")) == app.ManifestModule.ModuleVersionId,
            $"{output} holds another build of BillingFunctions than the one these tests loaded ({app.Location}); rebuild.");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.EnumerateArray().Select(f => f.Clone()).ToArray();
    }

    private static Guid ModuleVersionId(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        var reader = pe.GetMetadataReader();
        return reader.GetGuid(reader.GetModuleDefinition().Mvid);
    }

    private static JsonElement Function(string name)
    {
        var matches = Functions.Value.Where(f => f.GetProperty("name").GetString() == name).ToList();
        Assert.True(matches.Count == 1, $"functions.metadata has {matches.Count} functions named '{name}'");
        return matches[0];
    }

    /// <summary>The function's one trigger binding (an input binding whose type ends in "Trigger"), or null.</summary>
    private static JsonElement? Trigger(JsonElement function)
    {
        var triggers = function.GetProperty("bindings").EnumerateArray()
            .Where(b => b.GetProperty("type").GetString()!.EndsWith("Trigger", StringComparison.Ordinal)).ToList();
        Assert.True(triggers.Count <= 1, $"{function.GetProperty("name")} has {triggers.Count} triggers");
        if (triggers.Count == 0)
            return null;
        Assert.Equal("In", triggers[0].GetProperty("direction").GetString());
        return triggers[0];
    }

    private static string? TriggerType(string name) => Trigger(Function(name))?.GetProperty("type").GetString();

    /// <summary>
    /// Every <c>[Function]</c> method of the app and the binding type of its trigger parameter, read from the code: the
    /// trigger attribute's name without "Attribute", first letter lower-case (<c>ServiceBusTriggerAttribute</c> → serviceBusTrigger).
    /// </summary>
    private static Dictionary<string, string> DeclaredFunctions()
    {
        var declared = new Dictionary<string, string>();
        foreach (var method in typeof(AccountEntity).Assembly.GetTypes().SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance |
                     BindingFlags.Static | BindingFlags.DeclaredOnly)))
        {
            var function = method.GetCustomAttributesData().SingleOrDefault(a => a.AttributeType.FullName == "Microsoft.Azure.Functions.Worker.FunctionAttribute");
            if (function is null)
                continue;
            var triggers = method.GetParameters().SelectMany(p => p.GetCustomAttributesData())
                .Where(a => IsTrigger(a.AttributeType)).Select(a => a.AttributeType.Name).ToList();
            var name = (string)function.ConstructorArguments[0].Value!;
            Assert.True(triggers.Count == 1, $"{method.DeclaringType}.{method.Name} ({name}) has {triggers.Count} trigger parameters");
            var type = triggers[0][..^"Attribute".Length];
            declared.Add(name, char.ToLowerInvariant(type[0]) + type[1..]);
        }
        return declared;

        static bool IsTrigger(Type? type) =>
            type is not null && (type.FullName == "Microsoft.Azure.Functions.Worker.Extensions.Abstractions.TriggerBindingAttribute" || IsTrigger(type.BaseType));
    }

    /// <summary>host.json's HTTP route prefix: the Functions host serves route <c>r</c> at <c>/{prefix}/r</c>.</summary>
    private static string RoutePrefix()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(Azurite.RepositoryRoot(), "host.json")));
        return host.RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString()!;
    }

    /// <summary>Every operation in the real server's OpenAPI document, as (method, path template).</summary>
    private static async Task<HashSet<(string Method, string Route)>> ServerRoutes()
    {
        await using var server = await RunningServer.StartAsync();
        var response = await server.Client.GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        var routes = new HashSet<(string, string)>();
        foreach (var path in (await response.Json()).GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
                if (operation.Name is "get" or "put" or "post" or "delete" or "patch")
                    routes.Add((operation.Name.ToUpperInvariant(), path.Name));
        Assert.NotEmpty(routes);
        return routes;
    }

    private static string Show(IEnumerable<(string Method, string Route)> routes) =>
        string.Join(", ", routes.Order().Select(r => $"{r.Method} {r.Route}")) is { Length: > 0 } text ? text : "none";
}
