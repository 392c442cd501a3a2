using System.Net.Http.Json;
using System.Text.Json;
using BillingFunctions.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Support;

/// <summary>The real self-hosted server, in this process, on a loopback port, over a real SQLite file.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RunningServer(WebApplication app, string dataDirectory, string baseUrl)
    {
        _app = app;
        DataDirectory = dataDirectory;
        BaseUrl = baseUrl;
        Client = new HttpClient { BaseAddress = new Uri(baseUrl) };
    }

    public string DataDirectory { get; }
    public string BaseUrl { get; }
    public HttpClient Client { get; }

    /// <summary>The server's own services, for tests that act as another producer on its queues.</summary>
    public IServiceProvider Services => _app.Services;

    public static Task<RunningServer> StartAsync(string? dataDirectory = null, params string[] settings) =>
        StartAsync(dataDirectory, null, settings);

    /// <param name="services">Replaces server services before start (a test clock, a log capture).</param>
    public static async Task<RunningServer> StartAsync(string? dataDirectory, Action<IServiceCollection>? services, params string[] settings)
    {
        dataDirectory ??= TempDirectory.Create();
        var args = new List<string>
        {
            "--urls", "http://127.0.0.1:0",
            "--environment", "Production",
            $"--Billing:DataDirectory={dataDirectory}",
            "--Billing:AllowedCallbackHosts:0=127.0.0.1",
            "--Billing:WebhookSecret=test-secret",
            "--Billing:Webhook:InitialBackoffMilliseconds=100",
            "--Logging:LogLevel:Default=Warning",
            "--Logging:Console:FormatterName=simple",
        };
        args.AddRange(settings.Select(s => "--" + s));
        var app = BillingServer.Build(args.ToArray(), services);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RunningServer(app, dataDirectory, address);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One real server shared by every test of a class (xunit class fixture); each test uses its own account ids.</summary>
public sealed class SharedServer : IAsyncLifetime
{
    public RunningServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RunningServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>Small HTTP helpers that speak the HTTP contract (docs/http-api.md).</summary>
public static class Api
{
    public static async Task<JsonElement> Json(this HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text.Length == 0 ? "null" : text).RootElement.Clone();
    }

    public static Task<HttpResponseMessage> OpenAccount(this HttpClient client, string accountId, object? body = null) =>
        client.PutAsJsonAsync($"/api/accounts/{accountId}", body ?? new { });

    /// <summary>An account with its own cut-off URL, funded and charging: it runs dry balance / rate seconds from now.</summary>
    public static async Task OpenCharging(this HttpClient client, string accountId, string cutoffUrl, string balance, string ratePerSecond)
    {
        (await client.OpenAccount(accountId, new { cutoffUrl })).EnsureSuccessStatusCode();
        (await client.Credit(accountId, balance)).EnsureSuccessStatusCode();
        (await client.SetRate(accountId, ratePerSecond)).EnsureSuccessStatusCode();
    }

    public static Task<HttpResponseMessage> Credit(this HttpClient client, string accountId, string amount, string? operationId = null) =>
        client.PostAsJsonAsync($"/api/accounts/{accountId}/credits", new { amount, operationId });

    public static Task<HttpResponseMessage> Debit(this HttpClient client, string accountId, string amount, string? operationId = null) =>
        client.PostAsJsonAsync($"/api/accounts/{accountId}/debits", new { amount, operationId });

    public static Task<HttpResponseMessage> SetRate(this HttpClient client, string accountId, string ratePerSecond) =>
        client.PutAsJsonAsync($"/api/accounts/{accountId}/rate", new { ratePerSecond });

    public static Task<HttpResponseMessage> Transfer(this HttpClient client, string from, string to, string amount, string transferId) =>
        client.PostAsJsonAsync("/api/transfers", new { from, to, amount, transferId });

    /// <summary>The health answer's <c>projection</c>: how far the database is behind the commit log.</summary>
    public static async Task<JsonElement> Projection(this HttpClient client) =>
        (await (await client.GetAsync("/api/health")).Json()).GetProperty("projection");

    /// <summary>Waits until the database holds every write in the commit log; false if it does not within 30 s.</summary>
    public static Task<bool> ProjectionCaughtUp(this HttpClient client) =>
        Poll.Until(async () => (await client.Projection()).GetProperty("unprojectedWrites").GetInt64() == 0);

    public static async Task<JsonElement> Account(this HttpClient client, string accountId)
    {
        var response = await client.GetAsync($"/api/accounts/{accountId}");
        response.EnsureSuccessStatusCode();
        return await response.Json();
    }

    /// <summary>Every event of an account, all pages.</summary>
    public static async Task<List<JsonElement>> Ledger(this HttpClient client, string accountId)
    {
        var entries = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = await (await client.GetAsync($"/api/accounts/{accountId}/ledger?after={after}&limit=1000")).Json();
            entries.AddRange(page.GetProperty("items").EnumerateArray());
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
                return entries;
            after = page.GetProperty("next").GetInt64();
        }
    }

    public static async Task<List<JsonElement>> Events(this HttpClient client)
    {
        var events = new List<JsonElement>();
        long after = 0;
        while (true)
        {
            var page = await (await client.GetAsync($"/api/events?after={after}&limit=1000")).Json();
            events.AddRange(page.GetProperty("items").EnumerateArray());
            if (page.GetProperty("next").ValueKind == JsonValueKind.Null)
                return events;
            after = page.GetProperty("next").GetInt64();
        }
    }

    /// <summary>The newest cut-off delivery of an account as <c>GET /api/cutoff-deliveries</c> shows it, or null.</summary>
    public static async Task<JsonElement?> CutoffDelivery(this HttpClient client, string accountId)
    {
        var list = await (await client.GetAsync($"/api/cutoff-deliveries?accountId={accountId}")).Json();
        return list.GetArrayLength() == 0 ? null : list[0];
    }

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static decimal Dec(this JsonElement e, string name) => decimal.Parse(e.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture);

    public static long Ticks(this JsonElement e, string name) =>
        DateTime.Parse(e.GetProperty(name).GetString()!, null, System.Globalization.DateTimeStyles.RoundtripKind).Ticks;
}

/// <summary>Asserts an RFC 9457 problem response: the status, the media type and (when given) the exact kind.</summary>
public static class ProblemAssert
{
    /// <summary>The product's problem type prefix, read from the server code so tests and server cannot drift.</summary>
    public const string Prefix = Problems.TypePrefix;

    public static async Task Is(HttpResponseMessage response, System.Net.HttpStatusCode status, string? kind = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement;
        var type = problem.Str("type");
        if (kind is null)
            Assert.StartsWith(Prefix, type);
        else
            Assert.Equal(Prefix + kind, type);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
    }
}

public static class TempDirectory
{
    public static string Create()
    {
        var path = Path.Combine(Path.GetTempPath(), "billing-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
