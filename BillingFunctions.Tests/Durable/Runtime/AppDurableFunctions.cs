using DurableTask.Core;
using BillingFunctions.Accounts;
using BillingFunctions.Effects;
using BillingFunctions.Orders;
using BillingFunctions.Transfers;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.DependencyInjection;
using CoreTaskEntity = DurableTask.Core.Entities.TaskEntity;

namespace BillingFunctions.Tests.Durable.Runtime;

/// <summary>
/// The app's orchestrations, activities and entity, registered with a TaskHubWorker through
/// <see cref="DurableTaskShimFactory"/> — the adapter the Durable extension puts between DurableTask.Core and an isolated
/// worker's functions. Each function is the app's own method, called as its trigger would call it:
/// <list type="bullet">
/// <item>orchestrations get the shim's <see cref="TaskOrchestrationContext"/>, declared with the input type the
///   function reads with <c>GetInput&lt;T&gt;()</c> (the extension learns it from the function's parameters);</item>
/// <item>activity and entity classes are created per invocation from a fresh service scope, as the Functions worker
///   creates function classes, so their constructor dependencies are the app's registrations.</item>
/// </list>
/// </summary>
public static class AppDurableFunctions
{
    /// <summary>Every name registered here, to check against the app's trigger functions.</summary>
    public static IReadOnlyList<string> Orchestrations { get; } =
        [nameof(AccountFunctions.AccountWrite), nameof(TransferOrchestration.Transfer), nameof(OrderFunctions.ChargeOrder), nameof(EventRecording.RecordEvents)];

    public static IReadOnlyList<string> Activities { get; } = [nameof(EventRecording.WriteLedger), nameof(EventRecording.DeliverCutoff)];

    public static IReadOnlyList<string> Entities { get; } = [AccountEntity.Name];

    public static void Register(TaskHubWorker worker, DurableTaskShimFactory shims, IServiceProvider services)
    {
        worker.AddTaskOrchestrations(
            Orchestration<AccountWrite, EntityAnswer>(shims, nameof(AccountFunctions.AccountWrite), AccountFunctions.AccountWrite),
            Orchestration<TransferWrite, EntityAnswer>(shims, nameof(TransferOrchestration.Transfer), TransferOrchestration.Transfer),
            Orchestration<ChargeRequest, PaymentDecision>(shims, nameof(OrderFunctions.ChargeOrder), OrderFunctions.ChargeOrder),
            Orchestration<EventBatch, object?>(shims, nameof(EventRecording.RecordEvents), async context =>
            {
                await EventRecording.RecordEvents(context);
                return null;
            }));

        worker.AddTaskActivities(
            Activity<EventRecording, EventBatch>(shims, services, nameof(EventRecording.WriteLedger), (recording, batch) => recording.WriteLedger(batch)),
            Activity<EventRecording, CutoffCall>(shims, services, nameof(EventRecording.DeliverCutoff), (recording, call) => recording.DeliverCutoff(call)));

        worker.AddTaskEntities(new ShimCreator<CoreTaskEntity>(AccountEntity.Name,
            () => new EntityShim<AccountEntity>(AccountEntity.Name, shims, services)));
    }

    private static ShimCreator<TaskOrchestration> Orchestration<TInput, TOutput>(DurableTaskShimFactory shims, string name,
        Func<TaskOrchestrationContext, Task<TOutput>> function) =>
        new(name, () => shims.CreateOrchestration(new TaskName(name),
            FuncTaskOrchestrator.Create<TInput, TOutput>((context, _) => function(context))));

    private static ShimCreator<TaskActivity> Activity<TClass, TInput>(DurableTaskShimFactory shims, IServiceProvider services, string name,
        Func<TClass, TInput, Task> function) where TClass : class =>
        new(name, () => shims.CreateActivity(new TaskName(name), FuncTaskActivity.Create<TInput, object?>(async (_, input) =>
        {
            await using var scope = services.CreateAsyncScope();
            await function(ActivatorUtilities.CreateInstance<TClass>(scope.ServiceProvider), input!);
            return null;
        })));
}
