using System.Net;
using BillingFunctions.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using BillingFunctions;
using BillingFunctions.Effects;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Functions;

/// <summary>
/// The Functions app's cut-off client, as <c>Program</c> registers it, against a real receiver on loopback: the same
/// connect-time address rule as the self-hosted server. <c>localhost</c> resolves to a loopback address.
/// </summary>
public sealed class CutoffHttpTests
{
    [Fact]
    public async Task A_listed_name_that_resolves_to_a_private_address_is_not_connected_to()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        using var client = CutoffClient(allowed: ["localhost"], allowedPrivate: []);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{receiver.Port}/cutoff?userId=u"));
        Assert.Contains("private", refused.Message);
        Assert.Equal(0, receiver.Arrivals);
    }

    [Fact]
    public async Task A_name_listed_as_private_and_a_listed_ip_literal_are_connected_to()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        using var byName = CutoffClient(allowed: [], allowedPrivate: ["localhost"]);
        using var byLiteral = CutoffClient(allowed: ["127.0.0.1"], allowedPrivate: []);

        (await byName.GetAsync($"http://localhost:{receiver.Port}/cutoff?userId=by-name")).EnsureSuccessStatusCode();
        (await byLiteral.GetAsync($"http://127.0.0.1:{receiver.Port}/cutoff?userId=by-literal")).EnsureSuccessStatusCode();
        Assert.Single(receiver.CallsFor("by-name"));
        Assert.Single(receiver.CallsFor("by-literal"));
    }

    [Fact]
    public async Task A_redirect_is_a_failed_attempt_and_is_not_followed()
    {
        await using var receiver = await CutoffReceiver.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var redirector = builder.Build();
        redirector.MapGet("/cutoff", () => Results.Redirect(receiver.Url + "?userId=redirected"));
        await redirector.StartAsync();
        var address = redirector.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        using var client = CutoffClient(allowed: [], allowedPrivate: ["127.0.0.1"]);
        var response = await client.GetAsync(address + "/cutoff?userId=u");
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.False(response.IsSuccessStatusCode); // DeliverCutoff throws on it, so the retry policy takes over
        Assert.Equal(0, receiver.Arrivals);
    }

    private static HttpClient CutoffClient(string[] allowed, string[] allowedPrivate)
    {
        var settings = new BillingSettings("USD", null, null, allowed, allowedPrivate, null, 1, 1, 5, null, null, null, null);
        var provider = new ServiceCollection().AddCutoffHttp(settings).BuildServiceProvider();
        return provider.GetRequiredService<IHttpClientFactory>().CreateClient(CutoffHttp.ClientName);
    }
}
