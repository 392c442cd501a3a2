using System.Text.Json;
using Azure.Data.Tables;
using BillingFunctions.Server.Cutoffs;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;
using BillingFunctions.Accounts;
using BillingFunctions.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Durable;

/// <summary>
/// The cut-off on the real Durable runtime: the entity arms a scheduled signal to itself for the zero instant, its
/// <c>Wake</c> records the depletion, and the <c>RecordEvents</c> orchestration's <c>DeliverCutoff</c> activity calls a
/// real receiver. Wakes that are early or stale change nothing.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class CutoffTests(DurableFixture fixture) : IClassFixture<DurableFixture>
{
    private DurableRuntime Runtime => fixture.Runtime;
    private CutoffReceiver Receiver => fixture.Receiver;

    [Fact]
    public async Task The_cutoff_reaches_the_receiver_after_depletesAt_once_even_after_an_early_wake()
    {
        var id = BillingCalls.NewAccountId("cut");
        Assert.Equal(201, (await Runtime.Open(id)).Status);
        Assert.Equal(200, (await Runtime.Credit(id, "8")).Status);
        var rated = await Runtime.SetRate(id, "1");
        Assert.Equal(200, rated.Status);
        var depletesAt = rated.Json.Ticks("depletesAt");

        // The armed wake, delivered now instead of at its instant: it must only re-arm. (The entity's stored state is read
        // from the provider's instance table, which can lag the answer the write returned by a moment on a loaded machine.)
        var armed = await Poll.UntilValue(() => Runtime.Record(id), r => r?.WakeAt is not null);
        Assert.Equal(depletesAt, armed!.WakeAt);
        await Runtime.Client.Entities.SignalEntityAsync(AccountEntity.Id(id), nameof(AccountEntity.Wake),
            new WakeSignal(armed.WakeAt!.Value, armed.WakeGeneration));

        var calls = await Receiver.WaitForAsync(id, timeoutSeconds: 120);
        Assert.True(calls.Count > 0, $"no cut-off arrived. Runtime log:\n{Runtime.Logs.Tail()}");
        await DuplicateWindow();

        var call = Assert.Single(Receiver.CallsFor(id));
        Assert.True(call.ArrivedTicks >= depletesAt, $"arrived {(depletesAt - call.ArrivedTicks) / 10_000.0} ms before depletesAt");
        Assert.True(CutoffSignature.Verify(DurableRuntime.WebhookSecret, call.Timestamp, call.EventId, call.AccountId, call.Signature));

        var account = (await Runtime.Account(id)).Json;
        Assert.Equal(("depleted", "0"), (account.Str("status"), account.Str("balance")));
        Assert.True(await Poll.Until(async () => (await LedgerTypes(id)).Contains("account.depleted"), 60));
        var depleted = Assert.Single((await Runtime.Ledger(id)).Json.GetProperty("items").EnumerateArray(), e => e.Str("type") == "account.depleted");
        Assert.Equal((call.EventId, depletesAt), (depleted.Str("eventId"), depleted.Ticks("at")));

        var deliveries = await Runtime.Services.GetRequiredService<BillingTables>().Deliveries;
        Assert.True(await Poll.Until(async () =>
            (await deliveries.GetEntityIfExistsAsync<DeliveryRow>(id, call.EventId)) is { HasValue: true, Value.Status: "Delivered" }, 60));
    }

    [Fact]
    public async Task Stale_and_early_wakes_change_nothing_and_call_nobody()
    {
        var id = BillingCalls.NewAccountId("stale");
        Assert.Equal(201, (await Runtime.Open(id)).Status);
        Assert.Equal(200, (await Runtime.Credit(id, "3600")).Status);
        Assert.Equal(200, (await Runtime.SetRate(id, "1")).Status); // the zero instant is an hour away
        // Read once the stored state has the armed wake (the instance table can lag the write's answer by a moment).
        var before = (await Poll.UntilValue(() => Runtime.Record(id), r => r?.WakeAt is not null))!;
        // The ledger is written after each operation; wait until it holds every event so far.
        Assert.True(await Poll.Until(async () => (await LedgerTypes(id)).Count == before.Account!.Version, 60));
        var armedAt = before.WakeAt!.Value;
        var past = DateTime.UtcNow.AddMinutes(-1).Ticks;

        foreach (var signal in new[]
        {
            new WakeSignal(past, before.WakeGeneration - 1),  // a superseded generation
            new WakeSignal(past, before.WakeGeneration),      // the current generation, but not the armed instant
            new WakeSignal(armedAt, before.WakeGeneration),   // the armed wake, an hour early
        })
        {
            var modified = (await Runtime.Client.Entities.GetEntityAsync(AccountEntity.Id(id), includeState: false))!.LastModifiedTime;
            await Runtime.Client.Entities.SignalEntityAsync(AccountEntity.Id(id), nameof(AccountEntity.Wake), signal);
            Assert.True(await Poll.Until(async () =>
                (await Runtime.Client.Entities.GetEntityAsync(AccountEntity.Id(id), includeState: false))!.LastModifiedTime > modified, 60),
                $"the entity never ran the wake {signal}. Runtime log:\n{Runtime.Logs.Tail()}");

            var after = (await Runtime.Record(id))!;
            Assert.Equal(JsonSerializer.Serialize(before.Account), JsonSerializer.Serialize(after.Account));
            Assert.Equal((before.WakeAt, before.WakeGeneration), (after.WakeAt, after.WakeGeneration));
        }
        Assert.Equal(before.Account!.Version, (await LedgerTypes(id)).Count);
        Assert.Empty(Receiver.CallsFor(id));
    }

    private async Task<List<string>> LedgerTypes(string id)
    {
        var ledger = await Runtime.Services.GetRequiredService<BillingTables>().Ledger;
        var types = new List<string>();
        await foreach (var row in ledger.QueryAsync<LedgerRow>(TableClient.CreateQueryFilter($"PartitionKey eq {id}")))
            types.Add(row.Type);
        return types;
    }

    /// <summary>
    /// Long enough for a duplicate to have arrived: the re-armed signal is due at the same instant as the original, so
    /// any second call would follow the first within a few queue polls.
    /// </summary>
    private Task DuplicateWindow() => Task.Delay(TimeSpan.FromSeconds(2) + 3 * Runtime.Host.MaxQueuePollingInterval);
}
