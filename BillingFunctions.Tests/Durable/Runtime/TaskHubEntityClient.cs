using DurableTask.Core;
using DurableTask.Core.Entities;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// Entity signals and reads as the Durable extension does them for an isolated worker's client: a signal is an entity
/// message sent to the entity's instance (a scheduled one capped to the provider's longest delay); a read is the
/// service's entity query, without the stateless entries.
/// </summary>
public sealed class TaskHubEntityClient(IOrchestrationServiceClient service, IEntityOrchestrationService entities, DataConverter converter)
    : DurableEntityClient("billing-tests")
{
    private EntityBackendQueries Queries => entities.EntityBackendQueries ?? throw new NotSupportedException("The orchestration service has no entity support.");

    public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null,
        CancellationToken cancellation = default)
    {
        var signal = ClientEntityHelpers.EmitOperationSignal(
            new OrchestrationInstance { InstanceId = id.ToString() },
            Guid.NewGuid(),
            operationName,
            converter.Serialize(input),
            EntityMessageEvent.GetCappedScheduledTime(DateTime.UtcNow, entities.EntityBackendProperties!.MaximumSignalDelayTime,
                options?.SignalTime?.UtcDateTime));
        return service.SendTaskOrchestrationMessageAsync(signal.AsTaskMessage());
    }

    public override async Task<EntityMetadata?> GetEntityAsync(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default) =>
        await Queries.GetEntityAsync(new EntityId(id.Name, id.Key), includeState, includeStateless: false, cancellation) is { } found
            ? new EntityMetadata(id, found.SerializedState is { } state ? new SerializedData(state, converter) : null)
            {
                LastModifiedTime = found.LastModifiedTime, BacklogQueueSize = found.BacklogQueueSize, LockedBy = found.LockedBy,
            }
            : null;

    public override async Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default) =>
        await Queries.GetEntityAsync(new EntityId(id.Name, id.Key), includeState, includeStateless: false, cancellation) is { } found
            ? new EntityMetadata<T>(id, converter.Deserialize<T>(found.SerializedState))
            {
                LastModifiedTime = found.LastModifiedTime, BacklogQueueSize = found.BacklogQueueSize, LockedBy = found.LockedBy,
            }
            : null;

    /// <summary>The serialized state as the provider stores it (what every operation on the entity reads and writes).</summary>
    public async Task<string?> GetSerializedStateAsync(EntityInstanceId id, CancellationToken cancellation = default) =>
        (await Queries.GetEntityAsync(new EntityId(id.Name, id.Key), includeState: true, includeStateless: false, cancellation))?.SerializedState;

    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) =>
        throw new NotSupportedException("The app does not list entities; this client does not either.");

    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) =>
        throw new NotSupportedException("The app does not list entities; this client does not either.");

    public override Task<CleanEntityStorageResult> CleanEntityStorageAsync(CleanEntityStorageRequest? request = null, bool continueUntilComplete = true,
        CancellationToken cancellation = default) =>
        throw new NotSupportedException("The app does not clean entity storage; this client does not either.");
}
