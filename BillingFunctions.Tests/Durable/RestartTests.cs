using System.Text.Json;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Durable;

/// <summary>
/// Stopping and starting the worker, as a Functions host restart does: the entity's state, the scheduled wake armed
/// before the stop, and a write accepted while no worker ran are all in the task hub, and carry on afterwards.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class RestartTests(DurableFixture fixture) : IClassFixture<DurableFixture>
{
    private DurableRuntime Runtime => fixture.Runtime;
    private CutoffReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task State_a_pending_wake_and_an_accepted_write_survive_a_worker_restart()
    {
        var (depleting, waiting) = (BillingCalls.NewAccountId("restart"), BillingCalls.NewAccountId("queued"));
        foreach (var id in new[] { depleting, waiting })
            Assert.Equal(201, (await Runtime.Open(id)).Status);
        Assert.Equal(200, (await Runtime.Credit(depleting, "12")).Status);
        var rated = await Runtime.SetRate(depleting, "1");
        var depletesAt = rated.Json.Ticks("depletesAt");
        var before = JsonSerializer.Serialize(await Runtime.Record(depleting));

        await Runtime.StopWorkerAsync();
        // With no worker running, the state is still readable, and a write is accepted into the task hub.
        Assert.Equal(before, JsonSerializer.Serialize(await Runtime.Record(depleting)));
        var credit = Runtime.Credit(waiting, "3", "while-stopped");
        await Task.Delay(TimeSpan.FromSeconds(1)); // with a worker running, a write answers well within this
        Assert.False(credit.IsCompleted, "a write was answered while no worker ran");
        await Runtime.StartWorkerAsync();

        var credited = await credit;
        Assert.Equal(200, credited.Status);
        Assert.Equal("3", credited.Json.Str("balance"));
        var calls = await Receiver.WaitForAsync(depleting, timeoutSeconds: 180);
        Assert.True(calls.Count > 0, $"no cut-off arrived after the restart. Runtime log:\n{Runtime.Logs.Tail()}");
        await Task.Delay(TimeSpan.FromSeconds(2) + 3 * Runtime.Host.MaxQueuePollingInterval); // room for a duplicate to show
        var call = Assert.Single(Receiver.CallsFor(depleting));
        Assert.True(call.ArrivedTicks >= depletesAt, $"arrived {(depletesAt - call.ArrivedTicks) / 10_000.0} ms before depletesAt");
        Assert.Equal("depleted", (await Runtime.Account(depleting)).Json.Str("status"));
    }
}
