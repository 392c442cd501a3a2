using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace BillingFunctions.Http;

/// <summary>Starts an orchestration and waits for its output, up to a time limit (then the caller answers "still in progress").</summary>
public static class Orchestrations
{
    // How often the instance's status is read while waiting: soon at first, then backing off, so a quick orchestration
    // answers quickly and a slow one costs a few status reads a second.
    private static readonly TimeSpan FirstCheck = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan LongestCheck = TimeSpan.FromMilliseconds(250);

    /// <remarks>
    /// The wait reads the instance's status itself rather than calling <c>WaitForInstanceCompletionAsync</c>: the Durable
    /// extension answers that call with the storage provider's own status poll, which for Azure Storage reads every
    /// 2 seconds, so every write would take at least 2 s even though its orchestration usually ends within a fraction
    /// of a second.
    /// </remarks>
    public static async Task<(bool Done, T? Output)> RunAsync<T>(DurableTaskClient client, string name, object input, int timeoutSeconds,
        CancellationToken cancellation)
    {
        var instanceId = await client.ScheduleNewOrchestrationInstanceAsync(new TaskName(name), input, null, cancellation);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        limit.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            for (var wait = FirstCheck; ; wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestCheck.Ticks)))
            {
                await Task.Delay(wait, limit.Token);
                if (await client.GetInstanceAsync(instanceId, getInputsAndOutputs: true, limit.Token) is not { IsCompleted: true } metadata)
                    continue;
                if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
                    throw new InvalidOperationException($"Orchestration {name} '{instanceId}' ended {metadata.RuntimeStatus}.");
                return (true, metadata.ReadOutputAs<T>());
            }
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return (false, default);
        }
    }
}
