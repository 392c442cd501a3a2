using System.Text.Json;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Server;

/// <summary>A write's response names the hold it was about, even when another hold expired in the same decision.</summary>
public sealed class HoldRenderingTests
{
    [Fact]
    public void A_capture_that_also_settles_another_holds_expiry_renders_the_captured_hold()
    {
        const long second = TimeSpan.TicksPerSecond;
        var opened = AccountDecider.Open(null, "acct", "USD", null, null, 0).State;
        var funded = AccountDecider.Decide(opened, new Credit("c", new Money(10_000_000)), 0).State;
        var withFirst = AccountDecider.Decide(funded, new PlaceHold("h1", "h1", new Money(1_000_000), 1 * second), 0).State;
        var before = AccountDecider.Decide(withFirst, new PlaceHold("h2", "h2", new Money(2_000_000), 100 * second), 0).State;

        // h1's expiry instant has passed but no wake ran yet: the capture of h2 settles it first.
        var capture = new AccountWrite(WriteKind.Capture, "acct", "cap", true, "capture:h2:all", HoldId: "h2");
        var step = AccountStep.Write(before, capture, 2 * second, _ => null);
        Assert.Equal(["hold.expired", "hold.captured"], step.Change!.Events.Select(e => e.Event.Type));

        var written = Assert.IsType<Written>(step.Answer);
        Assert.Equal(200, written.Status);
        var body = JsonDocument.Parse(written.Body).RootElement;
        Assert.Equal("h2", body.GetProperty("holdId").GetString());
        Assert.Equal("captured", body.GetProperty("status").GetString());
        Assert.Equal("2", body.GetProperty("captured").GetString());
    }
}
