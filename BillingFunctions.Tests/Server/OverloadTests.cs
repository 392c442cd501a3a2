using System.Collections.Concurrent;
using System.Net;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// Past <c>Billing:MaxPendingWrites</c> a write is answered 503 with Retry-After at once, instead of queueing
/// without bound; nothing refused is applied, everything acknowledged is, and a refused write can be retried.
/// </summary>
public sealed class OverloadTests
{
    [Fact]
    public async Task Writes_beyond_the_bounded_queue_are_503_with_retry_after_and_nothing_acknowledged_is_lost()
    {
        await using var server = await RunningServer.StartAsync(null, "Billing:MaxPendingWrites=1");
        var client = server.Client;
        (await client.OpenAccount("busy")).EnsureSuccessStatusCode();
        var acknowledged = new ConcurrentBag<string>();
        var refused = new ConcurrentBag<string>();

        for (var round = 0; round < 10 && refused.IsEmpty; round++)
            await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
            {
                var id = $"r{round}-{i}";
                using var response = await client.Credit("busy", "1", id);
                if (response.IsSuccessStatusCode)
                    acknowledged.Add(id);
                else
                {
                    await ProblemAssert.Is(response, HttpStatusCode.ServiceUnavailable, "overloaded");
                    Assert.NotNull(response.Headers.RetryAfter);
                    refused.Add(id);
                }
            }));

        Assert.NotEmpty(refused);
        Assert.NotEmpty(acknowledged);
        Assert.Equal(acknowledged.Count, (await client.Account("busy")).Dec("balance"));
        foreach (var id in refused.Take(20))
        {
            var retried = await client.Credit("busy", "1", id);
            Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
            Assert.False(retried.Headers.Contains("Idempotent-Replayed"), $"refused {id} had been applied");
        }
        Assert.Equal(acknowledged.Count + Math.Min(20, refused.Count), (await client.Account("busy")).Dec("balance"));
    }
}
