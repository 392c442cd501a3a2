using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml;
using BillingFunctions;

namespace BillingFunctions.Tests.Infrastructure;

/// <summary>
/// The deployment template (infra/), compiled and linted by the real Bicep CLI, and its ARM JSON read back: the
/// resources the app needs, identity-only connections, least-privilege data roles, secrets as secure parameters.
/// </summary>
public partial class BicepTemplateTests(CompiledTemplate compiled) : IClassFixture<CompiledTemplate>
{
    private readonly ArmTemplate _template = compiled.Template;

    [Fact]
    public void Template_builds_without_a_diagnostic() => AssertClean(compiled.Build);

    [Fact]
    public void Template_lints_without_a_diagnostic() => AssertClean(compiled.Lint);

    [Fact]
    public void Parameters_file_builds_without_a_diagnostic() => AssertClean(compiled.BuildParameters);

    [Fact]
    public void Parameters_file_sets_every_required_parameter_and_takes_the_secrets_from_the_environment()
    {
        var values = compiled.Parameters.GetProperty("parameters");
        foreach (var parameter in _template.Root.GetProperty("parameters").EnumerateObject())
            if (!parameter.Value.TryGetProperty("defaultValue", out _))
                Assert.True(values.TryGetProperty(parameter.Name, out _), $"main.bicepparam does not set the required parameter '{parameter.Name}'.");

        Assert.Equal(CompiledTemplate.Secrets["BILLING_WEBHOOK_SECRET"], values.GetProperty("webhookSecret").GetProperty("value").GetString());
        Assert.Equal(CompiledTemplate.Secrets["BILLING_API_KEY"], values.GetProperty("apiKey").GetProperty("value").GetString());
    }

    [Fact]
    public async Task Parameters_file_does_not_build_without_the_secrets_or_with_short_ones()
    {
        var missing = await compiled.Cli.RunAsync(CompiledTemplate.NoSecrets, "build-params", compiled.ParametersFile, "--no-restore", "--stdout");
        Assert.True(missing.ExitCode != 0, $"Built without the secrets set. {missing}");
        Assert.Contains("BILLING_WEBHOOK_SECRET", missing.Output);
        Assert.Contains("BILLING_API_KEY", missing.Output);

        var shortSecrets = CompiledTemplate.Secrets.ToDictionary(variable => variable.Key, _ => (string?)"too-short");
        var tooShort = await compiled.Cli.RunAsync(shortSecrets, "build-params", compiled.ParametersFile, "--no-restore", "--stdout");
        Assert.True(tooShort.ExitCode != 0, $"Built with 9-character secrets. {tooShort}");
        Assert.Contains("minimum allowable length is 32", tooShort.Output);
    }

    [Fact]
    public void Service_bus_namespace_is_standard_with_local_auth_disabled()
    {
        var bus = _template.Single("Microsoft.ServiceBus/namespaces");
        Assert.Equal("Standard", bus.GetProperty("sku").GetProperty("name").GetString());
        Assert.True(bus.GetProperty("properties").GetProperty("disableLocalAuth").GetBoolean(), "Service Bus accepts SAS keys.");
    }

    [Fact]
    public void Orders_queue_drops_duplicate_messages_and_dead_letters_the_rest()
    {
        var queue = _template.Named("Microsoft.ServiceBus/namespaces/queues", BillingSettings.OrdersQueue).GetProperty("properties");
        Assert.True(queue.GetProperty("requiresDuplicateDetection").GetBoolean(), "The orders queue does not detect duplicates.");
        Assert.True(PositiveDuration(queue, "duplicateDetectionHistoryTimeWindow"), "The orders queue has no duplicate detection window.");
        Assert.InRange(_template.Integer(queue.GetProperty("maxDeliveryCount")), 2, 100);
        Assert.True(queue.GetProperty("deadLetteringOnMessageExpiration").GetBoolean(), "Expired orders are dropped, not dead-lettered.");
    }

    [Fact]
    public void Results_topic_drops_duplicate_results_and_feeds_the_notifications_subscription()
    {
        var topic = _template.Named("Microsoft.ServiceBus/namespaces/topics", BillingSettings.ResultsTopic).GetProperty("properties");
        Assert.True(topic.GetProperty("requiresDuplicateDetection").GetBoolean(), "A re-published result would be delivered twice.");
        Assert.True(PositiveDuration(topic, "duplicateDetectionHistoryTimeWindow"), "The results topic has no duplicate detection window.");

        var subscription = _template.Named("Microsoft.ServiceBus/namespaces/topics/subscriptions", BillingSettings.NotificationsSubscription);
        Assert.Contains($"'{BillingSettings.ResultsTopic}'", subscription.GetProperty("name").GetString());
        var properties = subscription.GetProperty("properties");
        Assert.InRange(_template.Integer(properties.GetProperty("maxDeliveryCount")), 2, 100);
        Assert.True(properties.GetProperty("deadLetteringOnMessageExpiration").GetBoolean(), "Expired results are dropped, not dead-lettered.");
    }

    [Fact]
    public void Function_app_runs_dotnet_isolated_10_on_flex_consumption_with_its_own_identity()
    {
        var plan = _template.Single("Microsoft.Web/serverfarms").GetProperty("sku");
        Assert.Equal("FC1", plan.GetProperty("name").GetString());
        Assert.Equal("FlexConsumption", plan.GetProperty("tier").GetString());

        var app = _template.Single("Microsoft.Web/sites");
        Assert.Equal("functionapp,linux", app.GetProperty("kind").GetString());
        Assert.Equal("SystemAssigned", app.GetProperty("identity").GetProperty("type").GetString());
        var properties = app.GetProperty("properties");
        Assert.StartsWith("[resourceId('Microsoft.Web/serverfarms'", properties.GetProperty("serverFarmId").GetString());
        Assert.True(properties.GetProperty("httpsOnly").GetBoolean());
        var config = properties.GetProperty("functionAppConfig");
        Assert.Equal("dotnet-isolated", config.GetProperty("runtime").GetProperty("name").GetString());
        Assert.Equal("10.0", config.GetProperty("runtime").GetProperty("version").GetString());
        var deployment = config.GetProperty("deployment").GetProperty("storage");
        Assert.Equal("SystemAssignedIdentity", deployment.GetProperty("authentication").GetProperty("type").GetString());
    }

    [Fact]
    public void App_settings_connect_by_identity_only()
    {
        var settings = _template.AppSettings();
        string[] credentials = ["AccountKey", "SharedAccessKey", "listKeys(", "listConnectionStrings(", "DefaultEndpointsProtocol", "Endpoint=sb://", "InstrumentationKey="];
        foreach (var (name, value) in settings)
            foreach (var credential in credentials)
                Assert.False(value.Contains(credential, StringComparison.OrdinalIgnoreCase), $"App setting {name} holds a credential: {value}");
        foreach (var listFunction in new[] { "listKeys(", "listConnectionStrings(", "listSecrets(" })
            Assert.DoesNotContain(listFunction, _template.Text, StringComparison.OrdinalIgnoreCase);

        // The connection-string forms of the two connections must be absent, the identity forms present.
        Assert.DoesNotContain("AzureWebJobsStorage", settings.Keys);
        Assert.DoesNotContain("ServiceBusConnection", settings.Keys);
        Assert.StartsWith("[", settings["AzureWebJobsStorage__accountName"]);
        Assert.Equal("managedidentity", settings["AzureWebJobsStorage__credential"]);
        Assert.Contains(".servicebus.windows.net'", settings["ServiceBusConnection__fullyQualifiedNamespace"]);
        Assert.Equal("managedidentity", settings["ServiceBusConnection__credential"]);
        Assert.Contains(".primaryEndpoints.table", settings["Billing__TablesUri"]);

        // Application Insights' connection string only says where telemetry goes: with local auth off it is accepted
        // only with the identity's token, which the authentication string asks for.
        Assert.EndsWith(".ConnectionString]", settings["APPLICATIONINSIGHTS_CONNECTION_STRING"]);
        Assert.Equal("Authorization=AAD", settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]);
        Assert.True(Properties("Microsoft.Insights/components").GetProperty("DisableLocalAuth").GetBoolean(), "Application Insights accepts its instrumentation key.");

        // Keys disabled where they exist, so nothing could connect with one.
        Assert.False(Properties("Microsoft.Storage/storageAccounts").GetProperty("allowSharedKeyAccess").GetBoolean(), "Storage accepts its account keys.");
        Assert.True(Properties("Microsoft.ServiceBus/namespaces").GetProperty("disableLocalAuth").GetBoolean(), "Service Bus accepts SAS keys.");
    }

    [Fact]
    public void Each_data_plane_the_app_touches_grants_its_identity_one_built_in_data_role()
    {
        var expected = new HashSet<(string Scope, string Role)>
        {
            ("Microsoft.Storage/storageAccounts", BuiltInRoles.StorageBlobDataOwner), // deployment package, host and Durable leases
            ("Microsoft.Storage/storageAccounts", BuiltInRoles.StorageQueueDataContributor), // Durable control and work-item queues
            ("Microsoft.Storage/storageAccounts", BuiltInRoles.StorageTableDataContributor), // Durable history and entities, billing tables
            ("Microsoft.ServiceBus/namespaces", BuiltInRoles.ServiceBusDataSender), // orders and results sent
            ("Microsoft.ServiceBus/namespaces", BuiltInRoles.ServiceBusDataReceiver), // the two Service Bus triggers
            ("Microsoft.Insights/components", BuiltInRoles.MonitoringMetricsPublisher), // telemetry with local auth off
        };

        var assigned = new HashSet<(string Scope, string Role)>();
        foreach (var assignment in _template.Resources("Microsoft.Authorization/roleAssignments"))
        {
            Assert.False(assignment.TryGetProperty("copy", out _), "A role assignment loop hides which role goes where: write one resource per role.");
            var properties = assignment.GetProperty("properties");
            var roleDefinition = properties.GetProperty("roleDefinitionId").GetString()!;
            var role = BuiltInRoleId().Match(roleDefinition);
            Assert.True(role.Success, $"A role assignment names its role as {roleDefinition}: use the built-in id literally, so it can be checked.");
            Assert.True(BuiltInRoles.Names.ContainsKey(role.Groups[1].Value),
                $"Role id {role.Groups[1].Value} is not one of the built-in roles the app needs: {string.Join(", ", BuiltInRoles.Names.Select(r => $"{r.Value} {r.Key}"))}.");
            var scope = ScopeType().Match(assignment.GetProperty("scope").GetString() ?? "");
            Assert.True(scope.Success, $"The {BuiltInRoles.NameOf(role.Groups[1].Value)} assignment is not scoped to one resource.");
            Assert.Matches(@"^\[reference\(resourceId\('Microsoft\.Web/sites', .*\)\.identity\.principalId\]$", properties.GetProperty("principalId").GetString());
            Assert.Equal("ServicePrincipal", properties.GetProperty("principalType").GetString());
            Assert.True(assigned.Add((scope.Groups[1].Value, role.Groups[1].Value)), $"{BuiltInRoles.NameOf(role.Groups[1].Value)} is assigned twice on {scope.Groups[1].Value}.");
        }

        Assert.True(expected.SetEquals(assigned),
            $"Missing: {Describe(expected.Except(assigned))}. Not needed: {Describe(assigned.Except(expected))}.");
    }

    [Fact]
    public void Webhook_secret_and_api_key_are_secure_parameters_without_defaults()
    {
        var settings = _template.AppSettings();
        foreach (var (parameter, setting) in new[] { ("webhookSecret", "Billing__WebhookSecret"), ("apiKey", "Billing__ApiKey") })
        {
            var declaration = _template.Parameter(parameter);
            Assert.Equal("securestring", declaration.GetProperty("type").GetString());
            Assert.False(declaration.TryGetProperty("defaultValue", out _), $"Secure parameter {parameter} has a default.");
            Assert.Equal($"[parameters('{parameter}')]", settings[setting]);
            var outputs = _template.Root.TryGetProperty("outputs", out var declared) ? declared.GetRawText() : "";
            Assert.DoesNotContain($"parameters('{parameter}')", outputs);
        }
    }

    [Fact]
    public void A_missing_cli_fails_saying_what_to_restore()
    {
        var missing = Assert.Throws<InvalidOperationException>(() => BicepCli.At("/nonexistent/tools/bicep"));
        Assert.Contains(BicepCli.Package, missing.Message);
        Assert.Contains("dotnet restore", missing.Message);
    }

    private JsonElement Properties(string type) => _template.Single(type).GetProperty("properties");

    /// <summary>Exit code 0 and nothing printed: the CLI prints every error, warning and info it finds.</summary>
    private static void AssertClean(BicepRun run) =>
        Assert.True(run.ExitCode == 0 && run.Output.Length == 0, run.ToString());

    private static bool PositiveDuration(JsonElement properties, string name) =>
        properties.TryGetProperty(name, out var value) && XmlConvert.ToTimeSpan(value.GetString()!) > TimeSpan.Zero;

    private static string Describe(IEnumerable<(string Scope, string Role)> assignments)
    {
        var list = assignments.Select(a => $"{BuiltInRoles.NameOf(a.Role)} on {a.Scope}").ToList();
        return list.Count == 0 ? "none" : string.Join("; ", list);
    }

    [GeneratedRegex(@"^\[subscriptionResourceId\('Microsoft\.Authorization/roleDefinitions', '([0-9a-f-]{36})'\)\]$")]
    private static partial Regex BuiltInRoleId();

    [GeneratedRegex(@"^\[resourceId\('([^']+)', ")]
    private static partial Regex ScopeType();
}
