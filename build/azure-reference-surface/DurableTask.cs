// Surface of Microsoft.DurableTask.Abstractions and Microsoft.DurableTask.Client. See SOURCES.md.
using AzureReferenceSurface;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;

namespace Microsoft.DurableTask
{
    public readonly struct TaskName
    {
        public TaskName(string name) => throw CompileOnly.Unavailable();

        public static implicit operator TaskName(string name) => throw CompileOnly.Unavailable();
    }

    public record StartOrchestrationOptions(string? InstanceId = null, DateTimeOffset? StartAt = null);

    public class RetryPolicy
    {
        public RetryPolicy(int maxNumberOfAttempts, TimeSpan firstRetryInterval, double backoffCoefficient = 1.0,
            TimeSpan? maxRetryInterval = null, TimeSpan? retryTimeout = null) => throw CompileOnly.Unavailable();
    }

    public record TaskOptions
    {
        public static TaskOptions FromRetryPolicy(RetryPolicy policy) => throw CompileOnly.Unavailable();
    }

    public abstract class TaskOrchestrationContext
    {
        public abstract DateTime CurrentUtcDateTime { get; }

        public virtual TaskOrchestrationEntityFeature Entities => throw CompileOnly.Unavailable();

        public abstract T? GetInput<T>();

        public abstract Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null);

        public virtual Task CallActivityAsync(TaskName name, object? input = null, TaskOptions? options = null) =>
            throw CompileOnly.Unavailable();
    }
}

namespace Microsoft.DurableTask.Entities
{
    public readonly record struct EntityInstanceId
    {
        public EntityInstanceId(string name, string key) => throw CompileOnly.Unavailable();

        public string Name => throw CompileOnly.Unavailable();

        public string Key => throw CompileOnly.Unavailable();
    }

    public record SignalEntityOptions
    {
        public DateTimeOffset? SignalTime { get; init; }
    }

    public record CallEntityOptions;

    public abstract class TaskEntityOperation;

    public interface ITaskEntity
    {
        ValueTask<object?> RunAsync(TaskEntityOperation operation);
    }

    public abstract class TaskEntityContext
    {
        public abstract EntityInstanceId Id { get; }

        public abstract void SignalEntity(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null);

        public abstract string ScheduleNewOrchestration(TaskName name, object? input = null, StartOrchestrationOptions? options = null);
    }

    public abstract class TaskEntity<TState> : ITaskEntity
    {
        protected TState State { get => throw CompileOnly.Unavailable(); set => throw CompileOnly.Unavailable(); }

        protected TaskEntityContext Context => throw CompileOnly.Unavailable();

        public ValueTask<object?> RunAsync(TaskEntityOperation operation) => throw CompileOnly.Unavailable();

        protected virtual TState InitializeState() => throw CompileOnly.Unavailable();
    }

    public abstract class TaskOrchestrationEntityFeature
    {
        public abstract Task<TResult> CallEntityAsync<TResult>(EntityInstanceId id, string operationName, object? input = null,
            CallEntityOptions? options = null);

        public virtual Task<IAsyncDisposable> LockEntitiesAsync(params EntityInstanceId[] entityIds) => throw CompileOnly.Unavailable();
    }
}

namespace Microsoft.DurableTask.Client
{
    public enum OrchestrationRuntimeStatus
    {
        Running,
        Completed,
        [Obsolete("The ContinuedAsNew status is obsolete and exists only for compatibility reasons.")]
        ContinuedAsNew,
        Failed,
        [Obsolete("The Canceled status is not currently used and exists only for compatibility reasons.")]
        Canceled,
        Terminated,
        Pending,
        Suspended,
    }

    public sealed class OrchestrationMetadata
    {
        private OrchestrationMetadata() => throw CompileOnly.Unavailable();

        public OrchestrationRuntimeStatus RuntimeStatus => throw CompileOnly.Unavailable();

        public T? ReadOutputAs<T>() => throw CompileOnly.Unavailable();
    }

    public abstract class DurableTaskClient
    {
        protected DurableTaskClient(string name) => throw CompileOnly.Unavailable();

        public virtual DurableEntityClient Entities => throw CompileOnly.Unavailable();

        public abstract Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
            StartOrchestrationOptions? options = null, CancellationToken cancellation = default);

        public abstract Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false,
            CancellationToken cancellation = default);
    }
}

namespace Microsoft.DurableTask.Client.Entities
{
    public class EntityMetadata<TState>
    {
        public EntityMetadata(EntityInstanceId id, TState? state) => throw CompileOnly.Unavailable();

        public bool IncludesState => throw CompileOnly.Unavailable();

        public TState State => throw CompileOnly.Unavailable();
    }

    public abstract class DurableEntityClient
    {
        protected DurableEntityClient(string name) => throw CompileOnly.Unavailable();

        public abstract Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null,
            SignalEntityOptions? options = null, CancellationToken cancellation = default);

        public abstract Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true,
            CancellationToken cancellation = default);
    }
}
