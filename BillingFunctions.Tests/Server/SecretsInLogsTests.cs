using System.Net.Http.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The real server process with its real console logger turned up to Trace: across requests that carry the API
/// key (right and wrong), a refused request, a write and a signed cut-off delivery, neither the API key nor the
/// webhook secret appears anywhere in what it logs.
/// </summary>
public sealed class SecretsInLogsTests
{
    private const string ApiKey = "k3y-that-must-never-be-logged-7f2a";
    private const string WebhookSecret = "s3cret-that-must-never-be-logged-91c4";

    [Fact]
    public async Task Neither_the_api_key_nor_the_webhook_secret_is_ever_logged()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var server = await ServerProcess.StartAsync(TempDirectory.Create(),
            $"Billing:ApiKey={ApiKey}", $"Billing:WebhookSecret={WebhookSecret}",
            "Logging:LogLevel:Default=Trace", "Logging:LogLevel:Microsoft.AspNetCore=Trace", "Logging:LogLevel:System.Net.Http.HttpClient=Trace");
        var client = server.Client;
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);

        await client.OpenCharging("logged", receiver.Url, "0.1", "1");
        Assert.Single(await receiver.WaitForAsync("logged"));
        (await client.PostAsJsonAsync("/api/accounts/logged/debits", new { amount = "1000" })).Dispose(); // refused: 409
        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/accounts/logged"))
        {
            wrong.Headers.Add("X-Api-Key", ApiKey + "-wrong");
            (await new HttpClient { BaseAddress = client.BaseAddress }.SendAsync(wrong)).Dispose(); // 401
        }
        (await client.GetAsync("/api/events")).EnsureSuccessStatusCode();

        // The delivery was logged by the process itself, so the capture is real and complete enough to judge.
        Assert.True(await Poll.Until(() => Task.FromResult(server.Output.Any(line => line.Contains("delivered on attempt")))),
            "the server's log was not captured");
        var log = string.Join("\n", server.Output);
        Assert.True(log.Length > 10_000, $"only {log.Length} characters logged at Trace");
        Assert.DoesNotContain(ApiKey, log);
        Assert.DoesNotContain(WebhookSecret, log);
    }
}
