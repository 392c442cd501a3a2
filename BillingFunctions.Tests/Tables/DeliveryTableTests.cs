using System.Diagnostics.Metrics;
using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using BillingFunctions.Accounts;
using BillingFunctions.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Tables;

/// <summary>
/// The cut-off activity (<c>DeliverCutoff</c>) and its record in the <c>webhookdeliveries</c> table, against Azurite and
/// a real receiver on loopback: one row per account.depleted event, every attempt counted, and a delivery is final.
/// </summary>
public sealed class DeliveryTableTests
{
    private static readonly long DepletedAt = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public async Task A_failed_attempt_is_recorded_the_next_one_delivers_and_a_repeat_sends_nothing()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        var settings = await AppOnAzurite.Settings();
        var tables = new BillingTables(settings);
        var recording = AppOnAzurite.Recording(settings, tables);
        var account = AppOnAzurite.Unique("acc");
        var call = new CutoffCall($"{account}:7", account, receiver.Url, 2, DepletedAt);

        receiver.FailWith = 503;
        await Assert.ThrowsAsync<HttpRequestException>(() => recording.DeliverCutoff(call));
        var failed = await Row(tables, call);
        Assert.Equal((nameof(DeliveryStatus.Pending), 1, receiver.Url, 2, DepletedAt), (failed.Status, failed.Attempts, failed.Url, failed.Episode, failed.DepletedAt));
        Assert.Contains("503", failed.LastError);
        Assert.Null(failed.DeliveredAt);

        receiver.FailWith = 0;
        await recording.DeliverCutoff(call);
        var delivered = await Row(tables, call);
        Assert.Equal((nameof(DeliveryStatus.Delivered), 2, (string?)null), (delivered.Status, delivered.Attempts, delivered.LastError));
        Assert.NotNull(delivered.DeliveredAt);
        Assert.All(receiver.Calls, c => Assert.Equal((account, call.EventId), (c.AccountId, c.EventId)));

        // The orchestration re-running the activity (a redelivered work item) finds the delivery done.
        await recording.DeliverCutoff(call);
        Assert.Equal(2, receiver.Arrivals);
        Assert.Equal(delivered.ETag, (await Row(tables, call)).ETag);
    }

    [Fact]
    public async Task Each_attempt_is_counted_by_outcome_a_failure_by_status_and_the_delivery_with_its_lateness()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        var settings = await AppOnAzurite.Settings();
        var tables = new BillingTables(settings);
        await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = meters.GetRequiredService<IMeterFactory>();
        using var recorder = new MeterRecorder(factory);
        var recording = AppOnAzurite.Recording(settings, tables, new BillingInstruments(factory));
        var account = AppOnAzurite.Unique("acc");
        var call = new CutoffCall($"{account}:4", account, receiver.Url, 1, DepletedAt);

        receiver.FailWith = 503;
        await Assert.ThrowsAsync<HttpRequestException>(() => recording.DeliverCutoff(call));
        receiver.FailWith = 0;
        var before = DateTime.UtcNow.Ticks;
        await recording.DeliverCutoff(call);
        var after = DateTime.UtcNow.Ticks;

        Assert.Equal([WebhookOutcome.Failed, WebhookOutcome.Delivered],
            recorder.Of(BillingMetrics.WebhookAttempts).Select(m => m.Tags[BillingMetrics.Tags.WebhookOutcome]));
        var failure = Assert.Single(recorder.Of(BillingMetrics.WebhookFailures));
        Assert.Equal("503", failure.Tags[BillingMetrics.Tags.ErrorType]);
        // Milliseconds from the zero instant to the answer, which came between the two readings of the clock.
        var lateness = Assert.Single(recorder.Of(BillingMetrics.CutoffLateness)).Value;
        Assert.InRange(lateness, (double)(before - DepletedAt) / TimeSpan.TicksPerMillisecond, (double)(after - DepletedAt) / TimeSpan.TicksPerMillisecond);
    }

    [Fact]
    public async Task Without_a_cutoff_url_the_delivery_is_recorded_as_failed_and_nothing_is_sent()
    {
        var settings = await AppOnAzurite.Settings();
        var tables = new BillingTables(settings);
        var account = AppOnAzurite.Unique("acc");
        var call = new CutoffCall($"{account}:3", account, null, 1, DepletedAt);

        await AppOnAzurite.Recording(settings, tables).DeliverCutoff(call);

        var row = await Row(tables, call);
        Assert.Equal((nameof(DeliveryStatus.Failed), 1, ""), (row.Status, row.Attempts, row.Url));
        Assert.Contains("No cut-off URL", row.LastError);
    }

    [Fact]
    public async Task An_attempt_that_fails_while_another_delivers_does_not_undo_the_delivery()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        var settings = await AppOnAzurite.Settings(("Billing:Webhook:TimeoutSeconds", "120"));
        var tables = new BillingTables(settings);
        var recording = AppOnAzurite.Recording(settings, tables);
        var account = AppOnAzurite.Unique("acc");
        var call = new CutoffCall($"{account}:9", account, receiver.Url, 1, DepletedAt);

        // Two runs of the same activity overlap (a work item redelivered while the first run still waits on the receiver).
        var release = new TaskCompletionSource();
        receiver.HoldUntil = release.Task;
        var slow = recording.DeliverCutoff(call);
        Assert.True(await Poll.Until(() => Task.FromResult(receiver.Arrivals == 1)), "the first attempt never reached the receiver");
        receiver.HoldUntil = null;
        await recording.DeliverCutoff(call);
        Assert.Equal(nameof(DeliveryStatus.Delivered), (await Row(tables, call)).Status);

        // The first attempt now fails, after the second one recorded the delivery from a row it had not seen.
        receiver.FailWith = 500;
        release.SetResult();
        await slow; // the cut-off is delivered: nothing is left to retry

        var row = await Row(tables, call);
        Assert.Equal(nameof(DeliveryStatus.Delivered), row.Status);
        Assert.NotNull(row.DeliveredAt);
        Assert.Equal(2, receiver.Arrivals);
    }

    private static async Task<DeliveryRow> Row(BillingTables tables, CutoffCall call)
    {
        var row = await (await tables.Deliveries).GetEntityIfExistsAsync<DeliveryRow>(call.AccountId, call.EventId);
        Assert.True(row.HasValue, $"no delivery row for {call.EventId}");
        return row.Value!;
    }
}
