using System.Net;
using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Tests.Support;
using M = BillingFunctions.Contract.Telemetry.BillingMetrics;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// <c>/metrics</c> on the real server after a real cut-off: a receiver that fails once and then answers, an account that
/// runs dry, and every instrument of the <see cref="BillingMetrics"/> meter read back from the Prometheus scrape with a
/// value that fits what happened.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task After_a_cutoff_the_scrape_shows_every_billing_instrument_with_a_plausible_value()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync();
        receiver.FailWith = 503; // the first attempt fails, so a failure is counted and the delivery is retried
        await server.Client.OpenCharging("metered", receiver.Url, "0.2", "1"); // three writes: open, credit, rate
        Assert.True(await Poll.Until(() => Task.FromResult(receiver.CallsFor("metered").Count >= 1)), "no cut-off attempt arrived");
        receiver.FailWith = 0;
        Assert.Single(await receiver.WaitForAsync("metered", timeoutSeconds: 30));

        // The receiver has its answer a moment before the server has counted it.
        var scrape = await Poll.UntilValue(() => Scrape(server.Client),
            s => s.Sum(PrometheusText.Counter(M.WebhookAttempts), (M.Tags.WebhookOutcome, WebhookOutcome.Delivered)) >= 1);

        foreach (var instrument in M.All)
            Assert.True(scrape.Samples.Any(s => s.Name.StartsWith(PrometheusText.Name(instrument))), $"{instrument.Name} is not in the scrape");
        Assert.True(scrape.Sum(PrometheusText.Counter(M.WritesCommitted)) >= 3, "writes committed");
        Assert.True(scrape.Sum(PrometheusText.Name(M.CommitBatchSize) + "_count") >= 1, "group commits");
        Assert.True(scrape.Sum(PrometheusText.Name(M.CommitBatchSize) + "_sum") >= 3, "writes in group commits");
        Assert.True(scrape.Sum(PrometheusText.Name(M.PendingWrites)) >= 0, "pending writes");
        Assert.True(scrape.Sum(PrometheusText.Name(M.UnprojectedWrites)) >= 0, "unprojected writes");
        Assert.True(scrape.Sum(PrometheusText.Name(M.Accounts)) >= 1, "accounts");
        Assert.True(scrape.Sum(PrometheusText.Name(M.CutoffLateness) + "_count") >= 1, "cut-offs timed");
        Assert.True(scrape.Sum(PrometheusText.Name(M.CutoffLateness) + "_sum") >= 0, "lateness: delivered after the zero instant");
        Assert.True(scrape.Sum(PrometheusText.Counter(M.WebhookAttempts), (M.Tags.WebhookOutcome, WebhookOutcome.Failed)) >= 1, "failed attempts");
        Assert.True(scrape.Sum(PrometheusText.Counter(M.WebhookFailures), (M.Tags.ErrorType, "503")) >= 1, "failures by status");
        foreach (var queue in new[] { "orders", "payment-results" })
        {
            Assert.True(scrape.Sum(PrometheusText.Name(M.QueueDepth), (M.Tags.Queue, queue)) >= 0, $"depth of {queue}");
            Assert.True(scrape.Sum(PrometheusText.Name(M.QueueDeadLetters), (M.Tags.Queue, queue)) >= 0, $"dead letters of {queue}");
        }
        // The standard instrumentation: this server's requests, and its cut-off calls through HttpClient.
        Assert.True(scrape.Sum("http_server_request_duration_seconds_count") >= 1, "ASP.NET Core requests");
        Assert.True(scrape.Sum("http_client_request_duration_seconds_count") >= 1, "HttpClient calls");
    }

    [Fact]
    public async Task With_an_api_key_the_scrape_needs_it_like_every_other_route()
    {
        await using var server = await RunningServer.StartAsync(null, "Billing:ApiKey=metrics-key");

        await ProblemAssert.Is(await server.Client.GetAsync("/metrics"), HttpStatusCode.Unauthorized);
        using var scrape = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        scrape.Headers.Add("X-Api-Key", "metrics-key");
        var response = await server.Client.SendAsync(scrape);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(PrometheusText.Parse(await response.Content.ReadAsStringAsync()).Sum(PrometheusText.Name(M.Accounts)));
    }

    private static async Task<PrometheusText> Scrape(HttpClient client)
    {
        var response = await client.GetAsync("/metrics");
        response.EnsureSuccessStatusCode();
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }
}
