using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace BillingFunctions.Http;

/// <summary>Starts an orchestration and waits for its output, up to a time limit (then the caller answers "still in progress").</summary>
public static class Orchestrations
{
    public static async Task<(bool Done, T? Output)> RunAsync<T>(DurableTaskClient client, string name, object input, int timeoutSeconds,
        CancellationToken cancellation)
    {
        var instanceId = await client.ScheduleNewOrchestrationInstanceAsync(new TaskName(name), input, null, cancellation);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            var metadata = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, limit.Token);
            if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
                throw new InvalidOperationException($"Orchestration {name} '{instanceId}' ended {metadata.RuntimeStatus}.");
            return (true, metadata.ReadOutputAs<T>());
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return (false, default);
        }
    }
}
