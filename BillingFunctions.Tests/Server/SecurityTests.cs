using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>A real server with an API key configured; only 127.0.0.1 is an allowed callback host (set by <see cref="RunningServer"/>).</summary>
public sealed class SecuredServer : IAsyncLifetime
{
    public const string Key = "secret-key";

    public RunningServer Server { get; private set; } = null!;

    /// <summary>A client that sends the right key.</summary>
    public HttpClient Authorized { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RunningServer.StartAsync(null, $"Billing:ApiKey={Key}");
        Authorized = new HttpClient { BaseAddress = new Uri(Server.BaseUrl) };
        Authorized.DefaultRequestHeaders.Add("X-Api-Key", Key);
        (await Authorized.OpenAccount("sec-a")).EnsureSuccessStatusCode();
        (await Authorized.Credit("sec-a", "100")).EnsureSuccessStatusCode();
        (await Authorized.OpenAccount("sec-b")).EnsureSuccessStatusCode();
        (await Authorized.PostAsJsonAsync("/api/accounts/sec-a/holds", new { holdId = "sec-hold", amount = "5" })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        Authorized.Dispose();
        await Server.DisposeAsync();
    }
}

/// <summary>API key on every route (401 when a key is configured) and the callback-host allow-list.</summary>
public sealed class SecurityTests(SecuredServer fixture) : IClassFixture<SecuredServer>
{

    /// <summary>Every route the contract names and the server implements; the OpenAPI document adds any others.</summary>
    private static readonly (string Method, string Path)[] KnownRoutes =
    [
        ("PUT", "/api/accounts/{accountId}"),
        ("GET", "/api/accounts/{accountId}"),
        ("POST", "/api/accounts/{accountId}/credits"),
        ("POST", "/api/accounts/{accountId}/debits"),
        ("PUT", "/api/accounts/{accountId}/rate"),
        ("GET", "/api/accounts/{accountId}/ledger"),
        ("POST", "/api/accounts/{accountId}/holds"),
        ("GET", "/api/accounts/{accountId}/holds"),
        ("POST", "/api/accounts/{accountId}/holds/{holdId}/capture"),
        ("POST", "/api/accounts/{accountId}/holds/{holdId}/release"),
        ("POST", "/api/transfers"),
        ("GET", "/api/events"),
        ("GET", "/api/cutoff-deliveries"),
        ("GET", "/api/health"),
        ("GET", "/openapi/v1.json"),
        ("GET", "/metrics"),
    ];

    /// <summary>
    /// For each write route (by its last path segment), a body it would accept: bodies are strict, so a refused write
    /// must be refused for the key alone, not for a field the route does not have.
    /// </summary>
    private static readonly Dictionary<string, string> WriteBodies = new()
    {
        ["{accountId}"] = "{}",
        ["credits"] = """{"amount":"1"}""",
        ["debits"] = """{"amount":"1"}""",
        ["rate"] = """{"ratePerSecond":"0"}""",
        ["holds"] = """{"holdId":"sec-new-hold","amount":"1"}""",
        ["capture"] = "{}",
        ["release"] = "{}",
        ["transfers"] = """{"from":"sec-a","to":"sec-b","amount":"1","transferId":"sec-tx"}""",
        ["baskets"] = """{"userId":"sec-a"}""",
        ["orders"] = """{"userId":"sec-a","basketId":"sec-basket","amount":"1"}""",
        ["resubmit"] = "{}",
    };

    private HttpClient Anonymous => fixture.Server.Client;
    private HttpClient Authorized => fixture.Authorized;

    [Fact]
    public async Task Every_route_without_a_key_is_401_and_changes_nothing()
    {
        var before = await State();
        var routes = await Routes();
        foreach (var (method, path) in routes)
        {
            using var response = await Anonymous.SendAsync(Request(method, path));
            await AssertUnauthorized(response, $"{method} {path} without a key");
        }
        Assert.Equal(before, await State());
        Assert.Equal(HttpStatusCode.NotFound, (await Authorized.GetAsync("/api/accounts/sec-new")).StatusCode);
    }

    [Theory]
    [InlineData("wrong-key")]
    [InlineData("secret-ke")]
    [InlineData("secret-key2")]
    [InlineData("SECRET-KEY")]
    [InlineData("Bearer secret-key")]
    [InlineData("")]
    public async Task Every_route_with_a_wrong_key_is_401_and_changes_nothing(string key)
    {
        var before = await State();
        foreach (var (method, path) in await Routes())
        {
            var request = Request(method, path);
            Assert.True(request.Headers.TryAddWithoutValidation("X-Api-Key", key));
            using var response = await Anonymous.SendAsync(request);
            await AssertUnauthorized(response, $"{method} {path} with key '{key}'");
        }
        Assert.Equal(before, await State());
    }

    [Fact]
    public async Task The_key_in_another_header_or_the_query_string_is_not_accepted()
    {
        var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/health");
        bearer.Headers.Add("Authorization", $"Bearer {SecuredServer.Key}");
        await AssertUnauthorized(await Anonymous.SendAsync(bearer), "Authorization: Bearer");
        await AssertUnauthorized(await Anonymous.GetAsync($"/api/health?X-Api-Key={SecuredServer.Key}"), "query string");
        await AssertUnauthorized(await Anonymous.GetAsync($"/api/accounts/sec-a?apiKey={SecuredServer.Key}"), "query string");
    }

    [Fact]
    public async Task Every_route_with_the_key_is_served()
    {
        foreach (var (method, path) in await Routes())
        {
            using var response = await Authorized.SendAsync(Request(method, path));
            var status = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(status != 401 && status < 500, $"{method} {path} with the key answered {status}: {text}");
        }
    }

    [Fact]
    public async Task With_the_key_the_api_works_end_to_end()
    {
        Assert.Equal(HttpStatusCode.Created, (await Authorized.OpenAccount("sec-flow")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Authorized.OpenAccount("sec-flow")).StatusCode);
        Assert.Equal("10", (await (await Authorized.Credit("sec-flow", "10")).Json()).Str("balance"));
        Assert.Equal("9", (await (await Authorized.Debit("sec-flow", "1")).Json()).Str("balance"));
        Assert.Equal(HttpStatusCode.OK, (await Authorized.SetRate("sec-flow", "0")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Authorized.Transfer("sec-flow", "sec-b", "2", "sec-flow-tx")).StatusCode);
        Assert.Equal("7", (await Authorized.Account("sec-flow")).Str("balance"));
        var hold = await Authorized.PostAsJsonAsync("/api/accounts/sec-flow/holds", new { holdId = "fh", amount = "1" });
        Assert.Equal(HttpStatusCode.Created, hold.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Authorized.PostAsync("/api/accounts/sec-flow/holds/fh/capture", null)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Authorized.GetAsync("/api/accounts/sec-flow/holds")).StatusCode);
        Assert.Equal(6, (await Authorized.Ledger("sec-flow")).Count); // created, credited, debited, transfer, placed, captured
        Assert.Contains(await Authorized.Events(), e => e.Str("accountId") == "sec-flow");
        Assert.Equal(HttpStatusCode.OK, (await Authorized.GetAsync("/api/cutoff-deliveries")).StatusCode);

        var openApi = await Authorized.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
        Assert.True((await openApi.Json()).TryGetProperty("paths", out _));
    }

    [Fact]
    public async Task Health_answers_200_with_json()
    {
        var response = await Authorized.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = await response.Json();
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        Assert.Equal("ok", body.Str("status"));
    }

    [Fact]
    public async Task Health_answers_200_with_json_when_no_key_is_configured()
    {
        await using var open = await RunningServer.StartAsync();
        var response = await open.Client.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("ok", (await response.Json()).Str("status"));
    }

    [Theory]
    [InlineData("not-allowed-host", "http://10.0.0.5/cutoff")]
    [InlineData("public-literal-not-listed", "http://8.8.8.8/cutoff")]
    [InlineData("not-allowed-name", "http://billing-platform.example/cutoff")]
    [InlineData("localhost-not-listed", "http://localhost:8080/cutoff")]
    [InlineData("ipv6-loopback-not-listed", "http://[::1]:8080/cutoff")]
    [InlineData("cloud-metadata", "http://169.254.169.254/latest/meta-data")]
    [InlineData("allowed-as-subdomain-prefix", "http://127.0.0.1.nip.io/cutoff")]
    [InlineData("allowed-as-userinfo", "http://127.0.0.1@evil.example/cutoff")]
    [InlineData("allowed-host-with-credentials", "http://user:pw@127.0.0.1/cutoff")]
    [InlineData("ftp", "ftp://127.0.0.1/cutoff")]
    [InlineData("file", "file:///etc/passwd")]
    [InlineData("gopher", "gopher://127.0.0.1:70/_")]
    [InlineData("ws", "ws://127.0.0.1/cutoff")]
    [InlineData("javascript", "javascript:alert(1)")]
    [InlineData("relative", "/cutoff")]
    [InlineData("scheme-relative", "//127.0.0.1/cutoff")]
    public async Task A_cutoff_url_outside_the_allow_list_or_not_http_is_400(string name, string url)
    {
        var id = "sec-url-" + name;
        var response = await Authorized.OpenAccount(id, new { cutoffUrl = url });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{url}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(ProblemAssert.Prefix + "validation", JsonDocument.Parse(text).RootElement.Str("type"));
        Assert.Equal(HttpStatusCode.NotFound, (await Authorized.GetAsync($"/api/accounts/{id}")).StatusCode);

        // An existing account cannot be re-pointed there either.
        var existing = await Authorized.OpenAccount("sec-a", new { cutoffUrl = url });
        Assert.Equal(HttpStatusCode.BadRequest, existing.StatusCode);
    }

    [Theory]
    [InlineData("http", "http://127.0.0.1:9/cutoff")]
    [InlineData("https", "https://127.0.0.1/cutoff")]
    [InlineData("query", "http://127.0.0.1:9/cutoff?source=billing")]
    public async Task A_cutoff_url_on_the_allowed_host_is_accepted(string name, string url)
    {
        var response = await Authorized.OpenAccount("sec-ok-" + name, new { cutoffUrl = url });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Authorized.OpenAccount("sec-ok-" + name, new { cutoffUrl = url })).StatusCode);
    }

    [Theory]
    [InlineData("http://10.1.2.3/cutoff")]
    [InlineData("http://172.16.5.4/cutoff")]
    [InlineData("http://192.168.0.1/cutoff")]
    [InlineData("http://127.0.0.2/cutoff")]
    [InlineData("http://2130706434/cutoff")] // 127.0.0.2 written as one decimal number
    [InlineData("http://0.0.0.0/cutoff")]
    [InlineData("http://100.64.0.1/cutoff")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://224.0.0.1/cutoff")]
    [InlineData("http://255.255.255.255/cutoff")]
    [InlineData("http://[::1]/cutoff")]
    [InlineData("http://[::]/cutoff")]
    [InlineData("http://[fe80::1]/cutoff")]
    [InlineData("http://[fc00::1]/cutoff")]
    [InlineData("http://[fd12:3456::1]/cutoff")]
    [InlineData("http://[ff02::1]/cutoff")]
    [InlineData("http://[::ffff:127.0.0.1]/cutoff")]
    [InlineData("http://[::ffff:10.0.0.1]/cutoff")]
    [InlineData("http://[64:ff9b::a00:1]/cutoff")]
    public async Task A_private_address_is_refused_unless_that_exact_address_is_listed(string url)
    {
        var response = await Authorized.OpenAccount("sec-private", new { cutoffUrl = url });
        await ProblemAssert.Is(response, HttpStatusCode.BadRequest, "validation");
        Assert.Contains("private", (await response.Json()).Str("detail"));
        Assert.Equal(HttpStatusCode.NotFound, (await Authorized.GetAsync("/api/accounts/sec-private")).StatusCode);
    }

    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("169.254.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("100.127.255.255", true)]
    [InlineData("::1", true)]
    [InlineData("fdff::1", true)]
    [InlineData("fe80::1", true)]
    [InlineData("::ffff:192.168.1.1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("64:ff9b::7f00:1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("1.1.1.1", false)]
    [InlineData("172.32.0.1", false)]
    [InlineData("100.128.0.1", false)]
    [InlineData("192.169.0.1", false)]
    [InlineData("::ffff:8.8.8.8", false)]
    [InlineData("2001:4860:4860::8888", false)]
    [InlineData("64:ff9b::808:808", false)]
    public void Private_address_ranges_are_told_from_public_ones(string address, bool isPrivate) =>
        Assert.Equal(isPrivate, PrivateAddresses.Contains(System.Net.IPAddress.Parse(address)));

    // ---------------------------------------------------------------- helpers

    /// <summary>The known routes plus every operation the server's own OpenAPI document lists.</summary>
    private async Task<List<(string Method, string Path)>> Routes()
    {
        var routes = new HashSet<(string, string)>(KnownRoutes);
        var document = await Authorized.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        foreach (var path in (await document.Json()).GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject())
                if (operation.Name is "get" or "put" or "post" or "delete" or "patch")
                    routes.Add((operation.Name.ToUpperInvariant(), path.Name));
        Assert.True(routes.Count >= KnownRoutes.Length);
        return routes.OrderBy(r => r.Item2, StringComparer.Ordinal).ThenBy(r => r.Item1, StringComparer.Ordinal).ToList();
    }

    private static HttpRequestMessage Request(string method, string template)
    {
        var path = Regex.Replace(template, @"\{(\w+)\}", m => m.Groups[1].Value switch
        {
            "accountId" => "sec-a",
            "holdId" => "sec-hold",
            _ => "sec-x",
        });
        var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH")
            request.Content = new StringContent(WriteBodies[template.Split('/')[^1]], Encoding.UTF8, "application/json");
        return request;
    }

    /// <summary>What any unauthorized write could have changed, read with the key.</summary>
    private async Task<string> State()
    {
        var a = await Authorized.Account("sec-a");
        var b = await Authorized.Account("sec-b");
        var holds = await (await Authorized.GetAsync("/api/accounts/sec-a/holds")).Content.ReadAsStringAsync();
        var events = await Authorized.Events();
        return $"{a.Str("balance")}|{a.Str("held")}|{a.Str("ratePerSecond")}|{b.Str("balance")}|{holds}|{events.Count}";
    }

    private static async Task AssertUnauthorized(HttpResponseMessage response, string what)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{what}: {(int)response.StatusCode} {text}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{what}: content-type {response.Content.Headers.ContentType}");
        Assert.Equal(ProblemAssert.Prefix + "unauthorized", JsonDocument.Parse(text).RootElement.Str("type"));
    }
}
