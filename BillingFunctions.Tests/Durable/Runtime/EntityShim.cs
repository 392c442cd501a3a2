using DurableTask.Core.Entities;
using DurableTask.Core.Entities.OperationFormat;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using CoreTaskEntity = DurableTask.Core.Entities.TaskEntity;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// One entity class as DurableTask.Core's entity dispatcher runs it. The dispatcher asks for an entity by name only,
/// while <see cref="DurableTaskShimFactory.CreateEntity"/> needs the instance's id; so, like the Durable extension's
/// entity trigger, this creates the app's entity from a fresh service scope for every batch and adapts it with the
/// batch's own id before running it.
/// </summary>
public sealed class EntityShim<TEntity>(string name, DurableTaskShimFactory shims, IServiceProvider services) : CoreTaskEntity
    where TEntity : ITaskEntity
{
    public override async Task<EntityBatchResult> ExecuteOperationBatchAsync(EntityBatchRequest operations)
    {
        await using var scope = services.CreateAsyncScope();
        var entity = ActivatorUtilities.GetServiceOrCreateInstance<TEntity>(scope.ServiceProvider);
        var id = EntityId.FromString(operations.InstanceId!);
        return await shims.CreateEntity(new TaskName(name), entity, id).ExecuteOperationBatchAsync(operations);
    }
}
