using BillingFunctions.Server.Cutoffs;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>The cut-off webhook against a real server and a real receiver: never early, once per episode.</summary>
public sealed class CutoffTests : IAsyncLifetime
{
    private CutoffReceiver _receiver = null!;
    private RunningServer _server = null!;

    public async Task InitializeAsync()
    {
        _receiver = await CutoffReceiver.StartAsync();
        _server = await RunningServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    private async Task Open(string id, string balance, string rate)
    {
        (await _server.Client.OpenAccount(id, new { cutoffUrl = _receiver.Url })).EnsureSuccessStatusCode();
        (await _server.Client.Credit(id, balance)).EnsureSuccessStatusCode();
        (await _server.Client.SetRate(id, rate)).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task Cutoff_arrives_after_depletesAt_exactly_once_and_signed()
    {
        await Open("cut-1", "1", "1.25");
        var depletesAt = (await _server.Client.Account("cut-1")).Ticks("depletesAt");

        var calls = await _receiver.WaitForAsync("cut-1");
        await Task.Delay(1500); // a duplicate would have arrived by now
        calls = _receiver.CallsFor("cut-1");

        var call = Assert.Single(calls);
        Assert.True(call.ArrivedTicks >= depletesAt, $"arrived {(call.ArrivedTicks - depletesAt) / 10_000.0} ms before depletesAt");
        Assert.True(CutoffSignature.Verify("test-secret", call.Timestamp, call.EventId, call.AccountId, call.Signature));
        var account = await _server.Client.Account("cut-1");
        Assert.Equal("depleted", account.Str("status"));
        Assert.Equal("0", account.Str("balance"));
        var depleted = Assert.Single(await _server.Client.Ledger("cut-1"), e => e.Str("type") == "account.depleted");
        Assert.Equal(call.EventId, depleted.Str("eventId"));
        Assert.Equal(depletesAt, depleted.Ticks("at"));
    }

    [Fact]
    public async Task Credit_restores_and_the_next_depletion_is_a_new_episode()
    {
        await Open("cut-2", "0.5", "1");
        var first = Assert.Single(await _receiver.WaitForAsync("cut-2"));

        var restored = await (await _server.Client.Credit("cut-2", "0.6")).Json();
        Assert.Equal("active", restored.Str("status"));
        var second = await _receiver.WaitForAsync("cut-2", count: 2);
        await Task.Delay(500);

        Assert.Equal(2, _receiver.CallsFor("cut-2").Count);
        Assert.NotEqual(first.EventId, second[1].EventId);
        var types = (await _server.Client.Ledger("cut-2")).Select(e => e.Str("type")).ToList();
        Assert.Equal(["account.created", "account.credited", "account.rate_changed", "account.depleted",
            "account.credited", "account.restored", "account.depleted"], types);
        var episodes = (await _server.Client.Ledger("cut-2")).Where(e => e.Str("type") == "account.depleted").Select(e => e.GetProperty("episode").GetInt32());
        Assert.Equal([1, 2], episodes);
    }

    [Fact]
    public async Task A_stale_timer_does_nothing_after_a_top_up()
    {
        await Open("cut-3", "1", "1"); // would deplete in 1 s
        (await _server.Client.Credit("cut-3", "2")).EnsureSuccessStatusCode(); // now in about 3 s
        var depletesAt = (await _server.Client.Account("cut-3")).Ticks("depletesAt");

        await Task.Delay(1500);
        Assert.Empty(_receiver.CallsFor("cut-3"));
        Assert.Equal("active", (await _server.Client.Account("cut-3")).Str("status"));

        var call = Assert.Single(await _receiver.WaitForAsync("cut-3"));
        Assert.True(call.ArrivedTicks >= depletesAt);
    }

    [Fact]
    public async Task At_zero_with_rate_zero_nothing_happens_until_a_rate_is_set()
    {
        await Open("cut-4", "3", "0");
        (await _server.Client.Debit("cut-4", "3")).EnsureSuccessStatusCode();
        await Task.Delay(800);
        Assert.Empty(_receiver.CallsFor("cut-4"));
        var idle = await _server.Client.Account("cut-4");
        Assert.Equal("active", idle.Str("status"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, idle.GetProperty("depletesAt").ValueKind);

        var rated = await (await _server.Client.SetRate("cut-4", "0.001")).Json();
        Assert.Equal("depleted", rated.Str("status"));
        Assert.Single(await _receiver.WaitForAsync("cut-4"));
    }

    [Fact]
    public async Task A_failing_receiver_is_retried_until_it_answers()
    {
        _receiver.FailWith = 503;
        await Open("cut-6", "0.2", "1");
        while (_receiver.CallsFor("cut-6").Count < 2)
            await Task.Delay(20);
        _receiver.FailWith = 0;

        var delivered = await _receiver.WaitForAsync("cut-6");
        Assert.Single(delivered);
        var all = _receiver.CallsFor("cut-6");
        Assert.True(all.Count >= 3);
        Assert.Single(all.Select(c => c.EventId).Distinct()); // every attempt is the same event
    }

    [Fact]
    public async Task A_slow_receiver_does_not_delay_other_accounts()
    {
        // The slow receiver holds each call for 4 s. The other account runs dry after it, and its cut-off must
        // arrive while the slow call is still outstanding: an ordering, not a time limit.
        await using var slow = await CutoffReceiver.StartAsync();
        slow.Delay = TimeSpan.FromSeconds(4);
        (await _server.Client.OpenAccount("slow-1", new { cutoffUrl = slow.Url })).EnsureSuccessStatusCode();
        (await _server.Client.Credit("slow-1", "0.1")).EnsureSuccessStatusCode();
        (await _server.Client.SetRate("slow-1", "1")).EnsureSuccessStatusCode();
        await Open("fast-1", "0.3", "1");

        Assert.Single(await _receiver.WaitForAsync("fast-1"));
        Assert.Empty(slow.CallsFor("slow-1")); // still being answered slowly
        var pending = await (await _server.Client.GetAsync("/api/cutoff-deliveries?accountId=slow-1")).Json();
        Assert.Equal("pending", Assert.Single(pending.EnumerateArray()).Str("status"));
    }

    [Fact]
    public async Task The_warm_up_at_start_sends_nothing_and_keeps_nothing()
    {
        // The server warms its cut-off path at start on a made-up account, with the default cut-off URL configured.
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync(null, $"Billing:CutoffUrl={receiver.Url}");
        (await server.Client.OpenAccount("after-warm-up", new { })).EnsureSuccessStatusCode();
        (await server.Client.Credit("after-warm-up", "0.2")).EnsureSuccessStatusCode();
        (await server.Client.SetRate("after-warm-up", "1")).EnsureSuccessStatusCode();

        Assert.Single(await receiver.WaitForAsync("after-warm-up"));
        await Task.Delay(500); // a stray call would have arrived by now
        Assert.Equal(["after-warm-up"], receiver.Calls.Select(call => call.AccountId));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await server.Client.GetAsync("/api/accounts/warm-up")).StatusCode);
        Assert.All(await server.Client.Events(), e => Assert.Equal("after-warm-up", e.Str("accountId")));
        var deliveries = await (await server.Client.GetAsync("/api/cutoff-deliveries")).Json();
        Assert.Equal(["after-warm-up"], deliveries.EnumerateArray().Select(d => d.Str("accountId")));
    }
}
