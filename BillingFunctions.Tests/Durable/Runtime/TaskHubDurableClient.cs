using System.Globalization;
using DurableTask.Core;
using DurableTask.Core.History;
using DurableTask.Core.Entities;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using CoreFailure = DurableTask.Core.FailureDetails;
using CoreState = DurableTask.Core.OrchestrationState;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// The <see cref="DurableTaskClient"/> the app's functions get, over a DurableTask.Core orchestration service. In Azure
/// the client is a gRPC stub and the Durable extension in the Functions host does each call on the orchestration
/// service; this client makes the same service calls directly:
/// <list type="bullet">
/// <item>starting an instance sends an ExecutionStarted message, refusing an id whose instance is still pending or running;</item>
/// <item>waiting for completion is the service's own <c>WaitForOrchestrationAsync</c>, which polls the instance's status
///   (every 2 s for Azure Storage), exactly what the host does for the worker;</item>
/// <item>entities are signalled and read through the service's entity support (<see cref="TaskHubEntityClient"/>).</item>
/// </list>
/// Listing, purging and the other management calls the app does not make are left to the base class, which refuses them.
/// </summary>
public sealed class TaskHubDurableClient : DurableTaskClient
{
    private static readonly OrchestrationStatus[] StillRunning = [OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended];

    private readonly IOrchestrationServiceClient _service;
    private readonly DataConverter _converter;

    public TaskHubDurableClient(IOrchestrationServiceClient service, IEntityOrchestrationService entities, DataConverter converter)
        : base("billing-tests")
    {
        _service = service;
        _converter = converter;
        Entities = new TaskHubEntityClient(service, entities, converter);
    }

    public override DurableEntityClient Entities { get; }

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null,
        StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
    {
        cancellation.ThrowIfCancellationRequested();
        var instance = new OrchestrationInstance
        {
            InstanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N"),
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var started = new ExecutionStartedEvent(-1, _converter.Serialize(input))
        {
            Name = orchestratorName.Name,
            Version = options?.Version ?? string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = options?.StartAt?.UtcDateTime,
            Tags = new Dictionary<string, string>
            {
                [OrchestrationTags.RequestTime] = DateTimeOffset.UtcNow.ToString(CultureInfo.InvariantCulture),
            },
        };
        await _service.CreateTaskOrchestrationAsync(new TaskMessage { OrchestrationInstance = instance, Event = started }, StillRunning);
        return instance.InstanceId;
    }

    public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) =>
        Send(instanceId, new EventRaisedEvent(-1, _converter.Serialize(eventPayload)) { Name = eventName });

    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default)
    {
        while (true)
        {
            if (await GetInstancesAsync(instanceId, getInputsAndOutputs, cancellation) is { RuntimeStatus: not OrchestrationRuntimeStatus.Pending } started)
                return started;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellation);
        }
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default)
    {
        var state = await _service.WaitForOrchestrationAsync(instanceId, null, Timeout.InfiniteTimeSpan, cancellation);
        cancellation.ThrowIfCancellationRequested();
        return Metadata(state ?? throw new InvalidOperationException($"No orchestration instance '{instanceId}'."), getInputsAndOutputs);
    }

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        _service.ForceTerminateTaskOrchestrationAsync(instanceId, _converter.Serialize(options?.Output));

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Send(instanceId, new ExecutionSuspendedEvent(-1, reason));

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        Send(instanceId, new ExecutionResumedEvent(-1, reason));

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false,
        CancellationToken cancellation = default)
    {
        var states = await _service.GetOrchestrationStateAsync(instanceId, allExecutions: false);
        return states is { Count: > 0 } ? Metadata(states[0], getInputsAndOutputs) : null;
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        throw new NotSupportedException("The app does not list orchestration instances; this client does not either.");

    public override ValueTask DisposeAsync() => default;

    private Task Send(string instanceId, HistoryEvent message) =>
        _service.SendTaskOrchestrationMessageAsync(new TaskMessage { OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId }, Event = message });

    private OrchestrationMetadata Metadata(CoreState state, bool getInputsAndOutputs) => new(state.Name, state.OrchestrationInstance.InstanceId)
    {
        DataConverter = getInputsAndOutputs ? _converter : null,
        // The two status enums have the same members and values.
        RuntimeStatus = (OrchestrationRuntimeStatus)state.OrchestrationStatus,
        CreatedAt = state.CreatedTime,
        LastUpdatedAt = state.LastUpdatedTime,
        SerializedInput = state.Input,
        SerializedOutput = state.Output,
        SerializedCustomStatus = state.Status,
        FailureDetails = Failure(state.FailureDetails),
    };

    private static TaskFailureDetails? Failure(CoreFailure? failure) => failure is null
        ? null
        : new TaskFailureDetails(failure.ErrorType, failure.ErrorMessage, failure.StackTrace, Failure(failure.InnerFailure), null);
}
