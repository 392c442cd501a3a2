using System.Collections.Concurrent;
using DurableTask.Core;
using DurableTask.Core.Entities.OperationFormat;
using DurableTask.Core.Middleware;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// Keeps each entity's state between the batches of an extended session. With extended sessions on, DurableTask.Core
/// hands an entity its state only on a session's first batch and expects the handler to keep it for the rest (in Azure
/// the isolated worker keeps it in a cache, and asks the host again when it has none). Entities run in-process here,
/// so this entity dispatch middleware keeps it instead; without extended sessions it does nothing.
/// </summary>
public sealed class EntitySessionCache
{
    private readonly ConcurrentDictionary<string, string?> _states = new(StringComparer.Ordinal);

    public async Task RunAsync(DispatchMiddlewareContext context, Func<Task> next)
    {
        var request = context.GetProperty<EntityBatchRequest>();
        var metadata = context.GetProperty<WorkItemMetadata>();
        var instanceId = request.InstanceId!;
        if (metadata is { IncludeState: false })
            request.EntityState = _states.TryGetValue(instanceId, out var kept)
                ? kept
                : throw new InvalidOperationException($"Entity {instanceId}: the session's state was not kept, and the runtime did not pass it.");
        await next();
        if (metadata is { IsExtendedSession: true })
            _states[instanceId] = context.GetProperty<EntityBatchResult>().EntityState;
        else
            _states.TryRemove(instanceId, out _);
    }
}
