using System.Net;
using System.Text;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The host's clock stepping backwards and forwards under a running server (NTP corrections, a VM resumed,
/// an operator's mistake). This is about time arithmetic, so the server gets a clock the test can move;
/// everything else is real. No cut-off before the zero instant by the server's clock, no time charged twice.
/// </summary>
public sealed class ClockJumpTests : IAsyncLifetime
{
    private readonly JumpingClock _clock = new();
    private CutoffReceiver _receiver = null!;
    private RunningServer _server = null!;

    private HttpClient Client => _server.Client;

    public async Task InitializeAsync()
    {
        _receiver = await CutoffReceiver.StartAsync();
        _server = await RunningServer.StartAsync(null, services => services.AddSingleton<TimeProvider>(_clock));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task A_backward_step_charges_nothing_twice_fires_nothing_and_keeps_holds_and_ledger_in_order()
    {
        await Client.OpenCharging("jump-back", _receiver.Url, "10", "1");
        _clock.Jump(TimeSpan.FromHours(-1));
        var frozen = (await Client.Account("jump-back")).Str("balance");
        await Task.Delay(1500);
        // The hour the clock stepped back over was charged already; it is not charged again as the clock replays it.
        Assert.Equal(frozen, (await Client.Account("jump-back")).Str("balance"));

        (await Client.Credit("jump-back", "1")).EnsureSuccessStatusCode();
        var hold = await Client.PostAsync("/api/accounts/jump-back/holds",
            new StringContent("""{"holdId":"after-jump","amount":"1","expiresInSeconds":60}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, hold.StatusCode); // a 60 s hold is not "already expired" by a clock an hour behind

        var ledger = await Client.Ledger("jump-back");
        var instants = ledger.Select(e => e.Ticks("at")).ToList();
        Assert.Equal(instants.Order(), instants);
        Assert.Equal(ledger.Sum(e => e.Dec("delta")) - ledger.Sum(e => e.Dec("consumed")), (await Client.Account("jump-back")).Dec("balance"));
        Assert.Empty(_receiver.CallsFor("jump-back"));
        Assert.Equal("active", (await Client.Account("jump-back")).Str("status"));
    }

    [Fact]
    public async Task A_forward_step_depletes_at_the_exact_instant_once_and_a_step_back_does_not_undo_or_repeat_it()
    {
        await Client.OpenCharging("jump-fwd", _receiver.Url, "10", "1");
        var depletesAt = (await Client.Account("jump-fwd")).Ticks("depletesAt");

        _clock.Jump(TimeSpan.FromHours(1)); // the server now believes the zero instant is an hour past
        Assert.Single(await _receiver.WaitForAsync("jump-fwd"));
        var depleted = Assert.Single(await Client.Ledger("jump-fwd"), e => e.Str("type") == "account.depleted");
        Assert.Equal(depletesAt, depleted.Ticks("at")); // the true zero instant, not the instant of the jump
        // The receiver has the call a moment before the server has recorded its answer.
        Assert.True(await Poll.Until(async () => (await Client.CutoffDelivery("jump-fwd"))?.Str("status") == "delivered"));
        var delivery = (await Client.CutoffDelivery("jump-fwd"))!.Value;
        Assert.True(delivery.Ticks("deliveredAt") >= depletesAt, "delivered before the zero instant by the server's own clock");

        _clock.Jump(TimeSpan.FromHours(-1)); // back to real time: an hour before the depletion the server recorded
        await Task.Delay(1500);
        var account = await Client.Account("jump-fwd");
        Assert.Equal("depleted", account.Str("status"));
        Assert.Equal("0", account.Str("balance"));
        Assert.Single(_receiver.CallsFor("jump-fwd"));

        // A top-up restores it; its next zero instant lies ahead of the recorded depletion, so nothing fires early.
        var restored = await (await Client.Credit("jump-fwd", "5")).Json();
        Assert.Equal("active", restored.Str("status"));
        Assert.True(restored.Ticks("depletesAt") > depletesAt);
        await Task.Delay(1500);
        Assert.Single(_receiver.CallsFor("jump-fwd"));
        Assert.Equal("5", (await Client.Account("jump-fwd")).Str("balance"));
        var ledger = await Client.Ledger("jump-fwd");
        Assert.Single(ledger, e => e.Str("type") == "account.depleted");
        Assert.Equal(5m, ledger.Sum(e => e.Dec("delta")) - ledger.Sum(e => e.Dec("consumed")));
    }
}
