using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The address rule at connect time, against a real receiver on loopback. <c>localhost</c> resolves to a
/// loopback address: a listed name may not reach it unless it is listed as private too; an IP literal the
/// operator listed may. The check is on the address actually connected to, so DNS cannot change it in between.
/// </summary>
public sealed class CallbackAddressTests
{
    [Fact]
    public async Task A_listed_name_that_resolves_to_a_private_address_is_not_connected_to()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync(null, "Billing:AllowedCallbackHosts:1=localhost");
        var byName = $"http://localhost:{receiver.Port}/cutoff";
        await server.Client.OpenCharging("by-name", byName, "0.1", "1");
        await server.Client.OpenCharging("by-literal", receiver.Url, "0.1", "1");

        Assert.Single(await receiver.WaitForAsync("by-literal"));
        Assert.True(await Poll.Until(async () => await server.Client.CutoffDelivery("by-name") is { } d && d.GetProperty("attempts").GetInt32() >= 2));
        var refused = (await server.Client.CutoffDelivery("by-name"))!.Value;
        Assert.Equal("pending", refused.Str("status"));
        Assert.Contains("private", refused.Str("lastError"));
        Assert.Empty(receiver.CallsFor("by-name"));
        Assert.Equal(0, receiver.Arrivals - receiver.CallsFor("by-literal").Count); // nothing else reached it, even briefly
    }

    [Fact]
    public async Task A_name_listed_as_private_is_connected_to()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        await using var server = await RunningServer.StartAsync(null, "Billing:AllowedPrivateCallbackHosts:0=localhost");
        await server.Client.OpenCharging("private-ok", $"http://localhost:{receiver.Port}/cutoff", "0.1", "1");
        Assert.Single(await receiver.WaitForAsync("private-ok"));
    }
}
