using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The server every bad-input case runs against: a funded account with an active hold, a second funded account
/// (the transfer counterparty), both at rate 0 so nothing moves by itself, and an account id that must never exist.
/// </summary>
public sealed class BadInputServer : IAsyncLifetime
{
    public const string Funded = "funded";
    public const string Peer = "peer";
    public const string Hold = "held-1";
    public const string Fresh = "fresh-1";

    public RunningServer Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await RunningServer.StartAsync();
        var client = Server.Client;
        (await client.OpenAccount(Funded)).EnsureSuccessStatusCode();
        (await client.Credit(Funded, "100")).EnsureSuccessStatusCode();
        (await client.PostAsync($"/api/accounts/{Funded}/holds",
            new StringContent($$"""{"holdId":"{{Hold}}","amount":"10"}""", Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await client.OpenAccount(Peer)).EnsureSuccessStatusCode();
        (await client.Credit(Peer, "50")).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>
/// A matrix of bad requests over the write routes (and the paged reads). For every case: a 4xx (never a 5xx),
/// an RFC 9457 problem with a <c>urn:billing:problem:</c> type, and no change to any account, hold or event.
/// </summary>
public sealed class BadInputTests(BadInputServer fixture) : IClassFixture<BadInputServer>
{
    private const string Json = "application/json";
    private const string F = BadInputServer.Funded;
    private const string H = BadInputServer.Hold;

    private HttpClient Client => fixture.Server.Client;

    /// <param name="Body">Raw body bytes (null: no body at all).</param>
    /// <param name="Kind">The expected problem kind (null: any <c>urn:billing:problem:</c> type).</param>
    /// <param name="ContentType">Content-Type of the body (null: none sent).</param>
    /// <param name="Group">Cases run by a theory of their own (invalid text), rather than the main matrix.</param>
    public sealed record BadCase(string Method, string Path, byte[]? Body, int Status, string? Kind,
        string? ContentType = Json, IReadOnlyList<(string Name, string Value)>? Headers = null, bool Chunked = false, string? Group = null);

    private const string Utf8ReadGroup = "utf8-read";
    private const string Utf8UnknownFieldGroup = "utf8-unknown-field";

    private static readonly Dictionary<string, BadCase> Cases = BuildCases();

    public static IEnumerable<object[]> CaseNames => Named(group: null);
    public static IEnumerable<object[]> Utf8ReadCaseNames => Named(Utf8ReadGroup);
    public static IEnumerable<object[]> Utf8UnknownFieldCaseNames => Named(Utf8UnknownFieldGroup);

    private static IEnumerable<object[]> Named(string? group) =>
        Cases.Where(kv => kv.Value.Group == group).Select(kv => new object[] { kv.Key });

    [Theory]
    [MemberData(nameof(CaseNames))]
    public Task Bad_input_is_a_4xx_problem_and_changes_nothing(string name) => Check(name);

    /// <summary>Invalid UTF-8 or a lone surrogate escape in a field the server reads: 400, not a crash.</summary>
    [Theory]
    [MemberData(nameof(Utf8ReadCaseNames))]
    public Task Invalid_text_in_a_read_field_is_a_400(string name) => Check(name);

    /// <summary>Invalid UTF-8 even in a field the request does not have makes the body invalid JSON (RFC 8259 §8.1).</summary>
    [Theory]
    [MemberData(nameof(Utf8UnknownFieldCaseNames))]
    public Task Invalid_utf8_anywhere_in_the_body_is_400(string name) => Check(name);

    /// <summary>
    /// Kestrel refuses a NUL in the decoded path itself, before any middleware runs, with a bare 400 and no body:
    /// not a problem document, but a 4xx that changes nothing.
    /// </summary>
    [Theory]
    [InlineData("POST", "/api/accounts/a%00b/credits")]
    [InlineData("PUT", "/api/accounts/a%00b")]
    [InlineData("GET", "/api/accounts/a%00b/ledger")]
    [InlineData("POST", "/api/accounts/funded/holds/a%00b/release")]
    public async Task A_nul_in_the_path_is_refused_with_400_and_changes_nothing(string method, string path)
    {
        var before = await Snapshot();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method != "GET")
            request.Content = new StringContent("""{"amount":"1"}""", Encoding.UTF8, Json);
        using var response = await Client.SendAsync(request);
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Equal(before, await Snapshot());
    }

    private async Task Check(string name)
    {
        var c = Cases[name];
        var before = await Snapshot();

        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        if (c.Body is not null)
        {
            request.Content = new ByteArrayContent(c.Body);
            if (c.ContentType is not null)
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(c.ContentType);
            if (c.Chunked)
                request.Headers.TransferEncodingChunked = true;
        }
        foreach (var (header, value) in c.Headers ?? [])
            Assert.True(request.Headers.TryAddWithoutValidation(header, value));
        using var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;

        Assert.True(status < 500, $"{name}: {c.Method} {c.Path} answered {status}: {text}");
        Assert.True(status == c.Status, $"{name}: expected {c.Status}, got {status}: {text}");
        Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"{name}: content-type {response.Content.Headers.ContentType}: {text}");
        var problem = JsonDocument.Parse(text).RootElement;
        var type = problem.GetProperty("type").GetString() ?? "";
        Assert.StartsWith(ProblemAssert.Prefix, type);
        if (c.Kind is not null)
            Assert.Equal(ProblemAssert.Prefix + c.Kind, type);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());

        var after = await Snapshot();
        Assert.True(before == after, $"{name}: state changed\n--- before\n{before}\n--- after\n{after}");
    }

    [Fact]
    public void The_matrix_is_large_and_covers_every_write_route()
    {
        Assert.True(Cases.Count > 250, $"only {Cases.Count} cases");
        foreach (var route in new[] { "/credits", "/debits", "/rate", "/api/transfers", "/holds", "/capture", "/release", $"/api/accounts/{BadInputServer.Fresh}" })
            Assert.True(Cases.Values.Count(c => c.Path.Contains(route)) >= 8, $"few cases for {route}");
    }

    /// <summary>Everything a bad request could have changed, as one comparable string (asOf left out: it is the read instant).</summary>
    private async Task<string> Snapshot()
    {
        var parts = new List<string>();
        foreach (var id in new[] { BadInputServer.Funded, BadInputServer.Peer })
        {
            var account = await Client.Account(id);
            parts.Add(string.Join("|", account.EnumerateObject().Where(p => p.Name != "asOf").Select(p => $"{p.Name}={p.Value}")));
            var holds = await Client.GetAsync($"/api/accounts/{id}/holds");
            holds.EnsureSuccessStatusCode();
            parts.Add(await holds.Content.ReadAsStringAsync());
        }
        var events = await Client.Events();
        parts.Add($"events={events.Count} last={events.LastOrDefault().GetRawTextOrEmpty()}");
        parts.Add($"fresh={(int)(await Client.GetAsync($"/api/accounts/{BadInputServer.Fresh}")).StatusCode}");
        return string.Join("\n", parts);
    }

    // ---------------------------------------------------------------- the matrix

    private static Dictionary<string, BadCase> BuildCases()
    {
        var cases = new Dictionary<string, BadCase>(StringComparer.Ordinal);
        void Add(string name, BadCase c) => cases.Add(name, c);
        static byte[] B(string s) => Encoding.UTF8.GetBytes(s);
        static string Q(string s) => JsonSerializer.Serialize(s);

        var longId = new string('a', 129);
        var hugeDigits = "1" + new string('0', 200);
        var hugeNumber = "9" + new string('9', 20_000);

        // Amounts (JSON tokens, exactly as sent).
        var badAmounts = new (string Name, string Token)[]
        {
            ("negative", Q("-1")), ("negative-number", "-1"), ("negative-small", Q("-0.000001")), ("negative-zero", Q("-0")),
            ("zero", Q("0")), ("zero-number", "0"), ("zero-decimals", Q("0.000000")), ("zero-number-decimals", "0.0"),
            ("seven-decimals", Q("1.0000001")), ("seven-decimals-number", "1.0000001"), ("long-fraction", Q("0." + new string('0', 30) + "1")),
            ("abc", Q("abc")), ("exponent", Q("1e5")), ("exponent-number", "1e5"), ("exponent-upper-number", "1E2"),
            ("leading-space", Q(" 1")), ("trailing-space", Q("1 ")), ("empty", Q("")), ("plus", Q("+1")), ("leading-dot", Q(".5")),
            ("trailing-dot", Q("1.")), ("two-dots", Q("1.2.3")), ("comma", Q("1,5")), ("hex", Q("0x10")), ("nan", Q("NaN")),
            ("infinity", Q("Infinity")), ("fullwidth-digit", Q("\uFF11")), ("arabic-digit", Q("\u0661")), ("currency-sign", Q("$1")),
            ("overflow-number", "99999999999999999999"), ("overflow-string", Q("99999999999999999999")),
            ("above-max", Q("9000000000000.000001")), ("huge-digits", Q(hugeDigits)), ("huge-digits-number", hugeNumber),
            ("huge-exponent-number", "1e400"), ("true", "true"), ("false", "false"), ("array", "[\"1\"]"), ("empty-array", "[]"),
            ("object", "{\"value\":\"1\"}"), ("null", "null"),
        };
        var amountRoutes = new (string Name, string Path, Func<string, string> Body, bool AmountOptional)[]
        {
            ("credit", $"/api/accounts/{F}/credits", t => $$"""{"amount":{{t}}}""", false),
            ("debit", $"/api/accounts/{F}/debits", t => $$"""{"amount":{{t}}}""", false),
            ("transfer", "/api/transfers", t => $$"""{"from":"{{F}}","to":"{{BadInputServer.Peer}}","amount":{{t}},"transferId":"tx-bad"}""", false),
            ("hold", $"/api/accounts/{F}/holds", t => $$"""{"holdId":"h-bad","amount":{{t}}}""", false),
            ("capture", $"/api/accounts/{F}/holds/{H}/capture", t => $$"""{"amount":{{t}}}""", true),
        };
        foreach (var route in amountRoutes)
        {
            foreach (var (amountName, token) in badAmounts)
            {
                if (route.AmountOptional && amountName == "null")
                    continue; // a capture without an amount captures the whole hold: valid
                Add($"{route.Name}/amount/{amountName}", new("POST", route.Path, B(route.Body(token)), 400, "validation"));
            }
            if (!route.AmountOptional)
                Add($"{route.Name}/amount/missing", new("POST", route.Path, B(route.Body("\"1\"").Replace("\"amount\":\"1\"", "\"amount_\":\"1\"")), 400, "validation"));
        }
        // Business-level overflow and over-capture are bad input too.
        Add("credit/amount/balance-overflow", new("POST", $"/api/accounts/{F}/credits", B("""{"amount":"9000000000000"}"""), 400, "validation"));
        Add("capture/amount/more-than-held", new("POST", $"/api/accounts/{F}/holds/{H}/capture", B("""{"amount":"10.000001"}"""), 400, "validation"));

        // Rates: 0 and 7..12 decimals are valid, so the bad ones differ.
        var badRates = new (string Name, string Token)[]
        {
            ("negative", Q("-1")), ("negative-number", "-0.5"), ("thirteen-decimals", Q("0.0000000000001")), ("abc", Q("abc")),
            ("exponent", Q("1e5")), ("exponent-number", "1e-5"), ("leading-space", Q(" 1")), ("empty", Q("")), ("plus", Q("+1")),
            ("overflow-number", "99999999999999999999"), ("above-max", Q("9000000.000000000001")), ("huge-digits", Q(hugeDigits)),
            ("huge-digits-number", hugeNumber), ("true", "true"), ("array", "[]"), ("object", "{}"), ("null", "null"), ("nan", Q("NaN")),
        };
        foreach (var (rateName, token) in badRates)
            Add($"rate/ratePerSecond/{rateName}", new("PUT", $"/api/accounts/{F}/rate", B($$"""{"ratePerSecond":{{token}}}"""), 400, "validation"));
        Add("rate/ratePerSecond/missing", new("PUT", $"/api/accounts/{F}/rate", B("""{"rate":"1"}"""), 400, "validation"));

        // Hold fields.
        foreach (var (expiryName, token) in new[] { ("zero", "0"), ("negative", "-1"), ("string", Q("10")), ("fraction", "1.5"),
                     ("over-a-year", "31536001"), ("overflow", "99999999999999999999"), ("true", "true"), ("array", "[]"), ("object", "{}") })
            Add($"hold/expiresInSeconds/{expiryName}", new("POST", $"/api/accounts/{F}/holds",
                B($$"""{"holdId":"h-bad","amount":"1","expiresInSeconds":{{token}}}"""), 400, "validation"));
        var badIds = new (string Name, string Token)[]
        {
            ("empty", Q("")), ("space", Q("a b")), ("too-long", Q(longId)), ("slash", Q("a/b")), ("unicode", Q("\u00E9t\u00E9")),
            ("percent", Q("a%2Fb")), ("newline", Q("a\nb")), ("number", "5"), ("true", "true"), ("array", "[\"a\"]"), ("object", "{}"),
        };
        foreach (var (idName, token) in badIds)
        {
            Add($"hold/holdId/{idName}", new("POST", $"/api/accounts/{F}/holds", B($$"""{"holdId":{{token}},"amount":"1"}"""), 400, "validation"));
            Add($"transfer/from/{idName}", new("POST", "/api/transfers",
                B($$"""{"from":{{token}},"to":"{{BadInputServer.Peer}}","amount":"1","transferId":"tx-bad"}"""), 400, "validation"));
            Add($"transfer/to/{idName}", new("POST", "/api/transfers",
                B($$"""{"from":"{{F}}","to":{{token}},"amount":"1","transferId":"tx-bad"}"""), 400, "validation"));
            Add($"transfer/transferId/{idName}", new("POST", "/api/transfers",
                B($$"""{"from":"{{F}}","to":"{{BadInputServer.Peer}}","amount":"1","transferId":{{token}}}"""), 400, "validation"));
            Add($"credit/operationId/{idName}", new("POST", $"/api/accounts/{F}/credits", B($$"""{"amount":"1","operationId":{{token}}}"""), 400, "validation"));
            Add($"debit/operationId/{idName}", new("POST", $"/api/accounts/{F}/debits", B($$"""{"amount":"1","operationId":{{token}}}"""), 400, "validation"));
            Add($"rate/operationId/{idName}", new("PUT", $"/api/accounts/{F}/rate", B($$"""{"ratePerSecond":"0.000001","operationId":{{token}}}"""), 400, "validation"));
            Add($"capture/operationId/{idName}", new("POST", $"/api/accounts/{F}/holds/{H}/capture", B($$"""{"operationId":{{token}}}"""), 400, "validation"));
            Add($"release/operationId/{idName}", new("POST", $"/api/accounts/{F}/holds/{H}/release", B($$"""{"operationId":{{token}}}"""), 400, "validation"));
        }
        Add("hold/holdId/missing", new("POST", $"/api/accounts/{F}/holds", B("""{"amount":"1"}"""), 400, "validation"));
        Add("hold/holdId/null", new("POST", $"/api/accounts/{F}/holds", B("""{"holdId":null,"amount":"1"}"""), 400, "validation"));
        Add("transfer/from/missing", new("POST", "/api/transfers", B($$"""{"to":"{{BadInputServer.Peer}}","amount":"1","transferId":"tx-bad"}"""), 400, "validation"));
        Add("transfer/to/missing", new("POST", "/api/transfers", B($$"""{"from":"{{F}}","amount":"1","transferId":"tx-bad"}"""), 400, "validation"));
        Add("transfer/transferId/missing", new("POST", "/api/transfers", B($$"""{"from":"{{F}}","to":"{{BadInputServer.Peer}}","amount":"1"}"""), 400, "validation"));
        Add("transfer/same-account", new("POST", "/api/transfers", B($$"""{"from":"{{F}}","to":"{{F}}","amount":"1","transferId":"tx-bad"}"""), 400, "validation"));

        // The Idempotency-Key header: invalid, or disagreeing with the body.
        foreach (var (keyName, key) in new[] { ("space", "a b"), ("too-long", longId), ("slash", "a/b"), ("percent", "a%20b") })
        {
            Add($"credit/header/{keyName}", new("POST", $"/api/accounts/{F}/credits", B("""{"amount":"1"}"""), 400, "validation",
                Headers: [("Idempotency-Key", key)]));
            Add($"transfer/header/{keyName}", new("POST", "/api/transfers", B($$"""{"from":"{{F}}","to":"{{BadInputServer.Peer}}","amount":"1"}"""), 400, "validation",
                Headers: [("Idempotency-Key", key)]));
            Add($"hold/header/{keyName}", new("POST", $"/api/accounts/{F}/holds", B("""{"holdId":"h-bad","amount":"1"}"""), 400, "validation",
                Headers: [("Idempotency-Key", key)]));
        }
        Add("debit/header/disagrees", new("POST", $"/api/accounts/{F}/debits", B("""{"amount":"1","operationId":"op-a"}"""), 400, "validation",
            Headers: [("Idempotency-Key", "op-b")]));
        Add("transfer/header/disagrees", new("POST", "/api/transfers",
            B($$"""{"from":"{{F}}","to":"{{BadInputServer.Peer}}","amount":"1","transferId":"tx-a"}"""), 400, "validation", Headers: [("Idempotency-Key", "tx-b")]));

        // Account settings (PUT). On the id that must never exist (a 4xx must not create it), and on the funded account.
        var fresh = $"/api/accounts/{BadInputServer.Fresh}";
        var badSettings = new (string Name, string Body)[]
        {
            ("currency/lower", """{"currency":"usd"}"""), ("currency/two-letters", """{"currency":"US"}"""), ("currency/four-letters", """{"currency":"USDX"}"""),
            ("currency/empty", """{"currency":""}"""), ("currency/symbol", """{"currency":"U$D"}"""), ("currency/unicode", """{"currency":"ÉUR"}"""),
            ("currency/number", """{"currency":840}"""), ("currency/true", """{"currency":true}"""), ("currency/array", """{"currency":["USD"]}"""),
            ("currency/object", """{"currency":{}}"""),
            ("cutoffUrl/not-a-url", """{"cutoffUrl":"not a url"}"""), ("cutoffUrl/empty", """{"cutoffUrl":""}"""),
            ("cutoffUrl/relative", """{"cutoffUrl":"/cutoff"}"""), ("cutoffUrl/ftp", """{"cutoffUrl":"ftp://127.0.0.1/x"}"""),
            ("cutoffUrl/file", """{"cutoffUrl":"file:///etc/passwd"}"""), ("cutoffUrl/javascript", """{"cutoffUrl":"javascript:alert(1)"}"""),
            ("cutoffUrl/host-not-allowed", """{"cutoffUrl":"http://evil.example/x"}"""), ("cutoffUrl/localhost-not-listed", """{"cutoffUrl":"http://localhost/x"}"""),
            ("cutoffUrl/metadata-ip", """{"cutoffUrl":"http://169.254.169.254/latest"}"""), ("cutoffUrl/credentials", """{"cutoffUrl":"http://u:p@127.0.0.1/x"}"""),
            ("cutoffUrl/fragment", """{"cutoffUrl":"http://127.0.0.1/x#f"}"""), ("cutoffUrl/too-long", $$"""{"cutoffUrl":"http://127.0.0.1/{{new string('x', 2100)}}"}"""),
            ("cutoffUrl/number", """{"cutoffUrl":5}"""), ("cutoffUrl/true", """{"cutoffUrl":true}"""), ("cutoffUrl/array", """{"cutoffUrl":[]}"""),
            ("warning/zero", """{"lowBalanceWarningSeconds":0}"""), ("warning/negative", """{"lowBalanceWarningSeconds":-1}"""),
            ("warning/string", """{"lowBalanceWarningSeconds":"10"}"""), ("warning/fraction", """{"lowBalanceWarningSeconds":1.5}"""),
            ("warning/over-30-days", """{"lowBalanceWarningSeconds":2592001}"""), ("warning/overflow", """{"lowBalanceWarningSeconds":99999999999999999999}"""),
            ("warning/true", """{"lowBalanceWarningSeconds":true}"""), ("warning/array", """{"lowBalanceWarningSeconds":[]}"""),
        };
        foreach (var (settingName, body) in badSettings)
        {
            Add($"open-new/{settingName}", new("PUT", fresh, B(body), 400, "validation"));
            Add($"open-existing/{settingName}", new("PUT", $"/api/accounts/{F}", B(body), 400, "validation"));
        }
        Add("open-existing/different-currency", new("PUT", $"/api/accounts/{F}", B("""{"currency":"EUR"}"""), 409, "account-exists"));

        // Body shape, media type and size, on every write route; each valid body here would succeed and change state.
        var writes = new (string Name, string Method, string Path, string ValidBody, bool BodyOptional)[]
        {
            ("credit", "POST", $"/api/accounts/{F}/credits", """{"amount":"1"}""", false),
            ("debit", "POST", $"/api/accounts/{F}/debits", """{"amount":"1"}""", false),
            ("rate", "PUT", $"/api/accounts/{F}/rate", """{"ratePerSecond":"0.000001"}""", false),
            ("transfer", "POST", "/api/transfers", $$"""{"from":"{{F}}","to":"{{BadInputServer.Peer}}","amount":"1","transferId":"tx-shape"}""", false),
            ("hold", "POST", $"/api/accounts/{F}/holds", """{"holdId":"h-shape","amount":"1"}""", false),
            ("capture", "POST", $"/api/accounts/{F}/holds/{H}/capture", """{"amount":"1"}""", true),
            ("release", "POST", $"/api/accounts/{F}/holds/{H}/release", "{}", true),
            ("open", "PUT", fresh, "{}", true),
        };
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 40)) + "1" + new string('}', 40);
        foreach (var w in writes)
        {
            Add($"{w.Name}/body/truncated", new(w.Method, w.Path, B(w.ValidBody[..^1]), 400, "malformed-json"));
            Add($"{w.Name}/body/single-quotes", new(w.Method, w.Path, B((w.ValidBody == "{}" ? "{\"a\":1}" : w.ValidBody).Replace('"', '\'')), 400, "malformed-json"));
            Add($"{w.Name}/body/trailing-garbage", new(w.Method, w.Path, B(w.ValidBody + " x"), 400, "malformed-json"));
            Add($"{w.Name}/body/two-objects", new(w.Method, w.Path, B(w.ValidBody + w.ValidBody), 400, "malformed-json"));
            Add($"{w.Name}/body/trailing-comma", new(w.Method, w.Path, B(w.ValidBody.TrimEnd('}') + (w.ValidBody == "{}" ? "\"a\":1,}" : ",}")), 400, "malformed-json"));
            Add($"{w.Name}/body/comment", new(w.Method, w.Path, B("/* c */" + w.ValidBody), 400, "malformed-json"));
            Add($"{w.Name}/body/deeply-nested", new(w.Method, w.Path, B(w.ValidBody.TrimEnd('}') + (w.ValidBody == "{}" ? "" : ",") + "\"deep\":" + deep + "}"), 400, "malformed-json"));
            Add($"{w.Name}/body/invalid-utf8", new(w.Method, w.Path, [.. B(w.ValidBody[..^1] + (w.ValidBody == "{}" ? "" : ",") + "\"x\":\""), 0xC3, 0x28, .. B("\"}")], 400, "malformed-json", Group: Utf8UnknownFieldGroup));
            if (w.ValidBody != "{}") // the first key again, with the same value: ambiguous all the same
                Add($"{w.Name}/body/duplicate-key", new(w.Method, w.Path, B(w.ValidBody.TrimEnd('}') + "," + w.ValidBody.TrimStart('{')), 400, "malformed-json"));
            Add($"{w.Name}/body/whitespace-only", new(w.Method, w.Path, B("   "), 400, "malformed-json"));
            // Strict bodies: a field the route does not have is refused, not ignored, even one that differs only in case.
            var known = w.ValidBody == "{}" ? "operationId" : w.ValidBody[2..w.ValidBody.IndexOf('"', 2)];
            Add($"{w.Name}/body/unknown-field", new(w.Method, w.Path, B(w.ValidBody.TrimEnd('}') + (w.ValidBody == "{}" ? "" : ",") + "\"note\":\"x\"}"), 400, "validation"));
            Add($"{w.Name}/body/field-in-other-case", new(w.Method, w.Path,
                B(w.ValidBody.TrimEnd('}') + (w.ValidBody == "{}" ? "" : ",") + $"\"{char.ToUpperInvariant(known[0])}{known[1..]}\":\"1\"}}"), 400, "validation"));
            Add($"{w.Name}/body/invalid-utf8-in-a-name", new(w.Method, w.Path,
                [.. B(w.ValidBody[..^1] + (w.ValidBody == "{}" ? "" : ",") + "\""), 0xC3, 0x28, .. B("\":1}")], 400, "malformed-json"));
            Add($"{w.Name}/body/array", new(w.Method, w.Path, B("[" + w.ValidBody + "]"), 400, "validation"));
            Add($"{w.Name}/body/string", new(w.Method, w.Path, B(Q(w.ValidBody)), 400, "validation"));
            Add($"{w.Name}/body/number", new(w.Method, w.Path, B("1"), 400, "validation"));
            Add($"{w.Name}/body/null", new(w.Method, w.Path, B("null"), 400, "validation"));
            Add($"{w.Name}/content-type/text-plain", new(w.Method, w.Path, B(w.ValidBody), 415, "unsupported-media-type", ContentType: "text/plain"));
            Add($"{w.Name}/content-type/form", new(w.Method, w.Path, B(w.ValidBody), 415, "unsupported-media-type", ContentType: "application/x-www-form-urlencoded"));
            Add($"{w.Name}/content-type/xml", new(w.Method, w.Path, B(w.ValidBody), 415, "unsupported-media-type", ContentType: "application/xml"));
            var padded = w.ValidBody.TrimEnd('}') + (w.ValidBody == "{}" ? "" : ",") + "\"pad\":\"" + new string('x', 70 * 1024) + "\"}";
            Add($"{w.Name}/size/over-64KiB", new(w.Method, w.Path, B(padded), 413, "payload-too-large"));
            Add($"{w.Name}/size/over-64KiB-chunked", new(w.Method, w.Path, B(padded), 413, "payload-too-large", Chunked: true));
            Add($"{w.Name}/size/whitespace-over-64KiB", new(w.Method, w.Path, B(new string(' ', 65 * 1024) + w.ValidBody), 413, "payload-too-large"));
            if (!w.BodyOptional)
            {
                Add($"{w.Name}/body/absent", new(w.Method, w.Path, null, 400, "validation", ContentType: null));
                Add($"{w.Name}/body/empty-object", new(w.Method, w.Path, B("{}"), 400, "validation"));
            }
        }

        // Text the server must decode: invalid UTF-8 bytes, and an unpaired surrogate escape, in each field it reads.
        var readFields = new (string Name, string Method, string Path, string Before, string After)[]
        {
            ("credit/amount", "POST", $"/api/accounts/{F}/credits", "{\"amount\":\"1", "\"}"),
            ("debit/amount", "POST", $"/api/accounts/{F}/debits", "{\"amount\":\"1", "\"}"),
            ("credit/operationId", "POST", $"/api/accounts/{F}/credits", "{\"amount\":\"1\",\"operationId\":\"op", "\"}"),
            ("rate/ratePerSecond", "PUT", $"/api/accounts/{F}/rate", "{\"ratePerSecond\":\"0", "\"}"),
            ("transfer/from", "POST", "/api/transfers", $$"""{"to":"{{BadInputServer.Peer}}","amount":"1","transferId":"tx-bad","from":"f""", "\"}"),
            ("transfer/transferId", "POST", "/api/transfers", $$"""{"from":"{{F}}","to":"{{BadInputServer.Peer}}","amount":"1","transferId":"tx""", "\"}"),
            ("hold/holdId", "POST", $"/api/accounts/{F}/holds", "{\"amount\":\"1\",\"holdId\":\"h", "\"}"),
            ("capture/amount", "POST", $"/api/accounts/{F}/holds/{H}/capture", "{\"amount\":\"1", "\"}"),
            ("release/operationId", "POST", $"/api/accounts/{F}/holds/{H}/release", "{\"operationId\":\"op", "\"}"),
            ("open/currency", "PUT", fresh, "{\"currency\":\"US", "\"}"),
            ("open/cutoffUrl", "PUT", fresh, "{\"cutoffUrl\":\"http://127.0.0.1/", "\"}"),
        };
        foreach (var r in readFields)
        {
            Add($"{r.Name}/invalid-utf8", new(r.Method, r.Path, [.. B(r.Before), 0xC3, 0x28, .. B(r.After)], 400, "malformed-json", Group: Utf8ReadGroup));
            Add($"{r.Name}/lone-surrogate", new(r.Method, r.Path, B(r.Before + "\\uD800" + r.After), 400, "validation", Group: Utf8ReadGroup));
        }

        // Unknown accounts and holds.
        Add("credit/unknown-account", new("POST", "/api/accounts/nobody/credits", B("""{"amount":"1"}"""), 404, "not-found"));
        Add("debit/unknown-account", new("POST", "/api/accounts/nobody/debits", B("""{"amount":"1"}"""), 404, "not-found"));
        Add("rate/unknown-account", new("PUT", "/api/accounts/nobody/rate", B("""{"ratePerSecond":"1"}"""), 404, "not-found"));
        Add("hold/unknown-account", new("POST", "/api/accounts/nobody/holds", B("""{"holdId":"h","amount":"1"}"""), 404, "not-found"));
        Add("capture/unknown-account", new("POST", "/api/accounts/nobody/holds/h/capture", B("{}"), 404, "not-found"));
        Add("release/unknown-account", new("POST", "/api/accounts/nobody/holds/h/release", B("{}"), 404, "not-found"));
        Add("capture/unknown-hold", new("POST", $"/api/accounts/{F}/holds/no-such-hold/capture", B("{}"), 404, "not-found"));
        Add("release/unknown-hold", new("POST", $"/api/accounts/{F}/holds/no-such-hold/release", B("{}"), 404, "not-found"));
        Add("transfer/unknown-from", new("POST", "/api/transfers", B($$"""{"from":"nobody","to":"{{F}}","amount":"1","transferId":"tx-unknown-1"}"""), 404, "not-found"));
        Add("transfer/unknown-to", new("POST", "/api/transfers", B($$"""{"from":"{{F}}","to":"nobody","amount":"1","transferId":"tx-unknown-2"}"""), 404, "not-found"));
        Add("get/unknown-account", new("GET", "/api/accounts/nobody", null, 404, "not-found", ContentType: null));
        Add("ledger/unknown-account", new("GET", "/api/accounts/nobody/ledger", null, 404, "not-found", ContentType: null));
        Add("holds/unknown-account", new("GET", "/api/accounts/nobody/holds", null, 404, "not-found", ContentType: null));

        // Invalid ids in the route (already percent-encoded as they go on the wire).
        var badRouteIds = new (string Name, string Segment)[]
        {
            ("too-long", longId), ("space", "a%20b"), ("encoded-slash", "a%2Fb"), ("encoded-backslash", "a%5Cb"), ("unicode", "%C3%A9t%C3%A9"),
            ("emoji", "%F0%9F%92%B0"), ("plus", "a+b"), ("question", "a%3Fb"), ("hash", "a%23b"), ("quote", "a%22b"), ("angle", "%3Cx%3E"),
            ("percent", "a%25b"), ("tab", "a%09b"), ("newline", "a%0Ab"),
        };
        foreach (var (idName, segment) in badRouteIds)
        {
            Add($"credit/route-id/{idName}", new("POST", $"/api/accounts/{segment}/credits", B("""{"amount":"1"}"""), 400, "validation"));
            Add($"debit/route-id/{idName}", new("POST", $"/api/accounts/{segment}/debits", B("""{"amount":"1"}"""), 400, "validation"));
            Add($"rate/route-id/{idName}", new("PUT", $"/api/accounts/{segment}/rate", B("""{"ratePerSecond":"1"}"""), 400, "validation"));
            Add($"hold/route-id/{idName}", new("POST", $"/api/accounts/{segment}/holds", B("""{"holdId":"h","amount":"1"}"""), 400, "validation"));
            Add($"open/route-id/{idName}", new("PUT", $"/api/accounts/{segment}", B("{}"), 400, "validation"));
            Add($"get/route-id/{idName}", new("GET", $"/api/accounts/{segment}", null, 400, "validation", ContentType: null));
            Add($"ledger/route-id/{idName}", new("GET", $"/api/accounts/{segment}/ledger", null, 400, "validation", ContentType: null));
            Add($"holds/route-id/{idName}", new("GET", $"/api/accounts/{segment}/holds", null, 400, "validation", ContentType: null));
            Add($"capture/route-hold-id/{idName}", new("POST", $"/api/accounts/{F}/holds/{segment}/capture", B("{}"), 400, "validation"));
            Add($"release/route-hold-id/{idName}", new("POST", $"/api/accounts/{F}/holds/{segment}/release", B("{}"), 400, "validation"));
        }

        // Paging garbage on the ledger and the event feed.
        var badQueries = new (string Name, string Query)[]
        {
            ("limit-zero", "limit=0"), ("limit-negative", "limit=-1"), ("limit-too-big", "limit=1001"), ("limit-abc", "limit=abc"),
            ("limit-fraction", "limit=1.5"), ("limit-overflow", "limit=99999999999"), ("limit-exponent", "limit=1e2"), ("limit-twice", "limit=10&limit=20"),
            ("after-negative", "after=-1"), ("after-abc", "after=abc"), ("after-fraction", "after=1.5"), ("after-exponent", "after=1e3"),
            ("after-overflow", "after=99999999999999999999"), ("after-hex", "after=0x10"), ("after-twice", "after=1&after=2"),
        };
        foreach (var (queryName, query) in badQueries)
        {
            Add($"events/query/{queryName}", new("GET", $"/api/events?{query}", null, 400, "validation", ContentType: null));
            Add($"ledger/query/{queryName}", new("GET", $"/api/accounts/{F}/ledger?{query}", null, 400, "validation", ContentType: null));
        }
        return cases;
    }
}

internal static class JsonElementText
{
    public static string GetRawTextOrEmpty(this JsonElement element) =>
        element.ValueKind == JsonValueKind.Undefined ? "" : element.GetRawText();
}
