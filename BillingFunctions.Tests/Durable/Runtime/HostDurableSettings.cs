using System.Text.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// The Durable extension settings the app's <c>host.json</c> gives (<c>extensions.durableTask</c>), read from the
/// repository's host.json, so the runtime here polls, partitions and limits concurrency as the deployed app does.
/// What host.json leaves out takes the Durable extension's default.
/// </summary>
public sealed record HostDurableSettings(
    TimeSpan MaxQueuePollingInterval,
    int PartitionCount,
    int MaxConcurrentActivityFunctions,
    int MaxConcurrentOrchestratorFunctions,
    int MaxConcurrentEntityFunctions,
    bool ExtendedSessionsEnabled)
{
    // The Durable extension's defaults (Azure Storage provider): 30 s polling back-off, 4 partitions, 10 per core.
    private static readonly TimeSpan DefaultPolling = TimeSpan.FromSeconds(30);
    private static int DefaultConcurrency => 10 * Environment.ProcessorCount;

    public static HostDurableSettings FromRepository() => FromHostJson(Path.Combine(Azurite.RepositoryRoot(), "host.json"));

    public static HostDurableSettings FromHostJson(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip });
        var durable = document.RootElement.TryGetProperty("extensions", out var extensions) && extensions.TryGetProperty("durableTask", out var d)
            ? d : default;
        var storage = durable.ValueKind == JsonValueKind.Object && durable.TryGetProperty("storageProvider", out var s) ? s : default;
        return new HostDurableSettings(
            Text(storage, "maxQueuePollingInterval") is { } polling ? TimeSpan.Parse(polling, System.Globalization.CultureInfo.InvariantCulture) : DefaultPolling,
            Number(storage, "partitionCount") ?? 4,
            Number(durable, "maxConcurrentActivityFunctions") ?? DefaultConcurrency,
            Number(durable, "maxConcurrentOrchestratorFunctions") ?? DefaultConcurrency,
            Number(durable, "maxConcurrentEntityFunctions") ?? DefaultConcurrency,
            durable.ValueKind == JsonValueKind.Object && durable.TryGetProperty("extendedSessionsEnabled", out var e) && e.GetBoolean());
    }

    private static string? Text(JsonElement section, string name) =>
        section.ValueKind == JsonValueKind.Object && section.TryGetProperty(name, out var value) ? value.GetString() : null;

    private static int? Number(JsonElement section, string name) =>
        section.ValueKind == JsonValueKind.Object && section.TryGetProperty(name, out var value) ? value.GetInt32() : null;
}
