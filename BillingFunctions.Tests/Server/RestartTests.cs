using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>Timers are durable: what fell due while the server was stopped happens right after it starts.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task Cutoffs_and_hold_expiries_due_during_downtime_fire_after_start()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        var data = TempDirectory.Create();
        long depletesAt;
        await using (var first = await RunningServer.StartAsync(data))
        {
            (await first.Client.OpenAccount("sleeper", new { cutoffUrl = receiver.Url })).EnsureSuccessStatusCode();
            (await first.Client.Credit("sleeper", "2")).EnsureSuccessStatusCode();
            (await first.Client.PostAsync("/api/accounts/sleeper/holds", Json("""{"holdId":"h1","amount":"0.5","expiresInSeconds":1}"""))).EnsureSuccessStatusCode();
            (await first.Client.SetRate("sleeper", "1")).EnsureSuccessStatusCode();
            depletesAt = (await first.Client.Account("sleeper")).Ticks("depletesAt");
        }

        await Task.Delay(3000); // past the hold expiry and the zero instant (later, once the hold's 0.5 is released)
        Assert.Empty(receiver.Calls);

        await using var second = await RunningServer.StartAsync(data);
        var call = Assert.Single(await receiver.WaitForAsync("sleeper"));
        var ledger = await second.Client.Ledger("sleeper");
        var expired = Assert.Single(ledger, e => e.Str("type") == "hold.expired");
        var depleted = Assert.Single(ledger, e => e.Str("type") == "account.depleted");
        // The hold expired first and gave back 0.5, which pushed the zero instant later than first computed.
        Assert.True(expired.Ticks("at") < depleted.Ticks("at"));
        Assert.True(depleted.Ticks("at") > depletesAt);
        Assert.True(call.ArrivedTicks >= depleted.Ticks("at"));
        Assert.Equal("depleted", (await second.Client.Account("sleeper")).Str("status"));
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");
}
