using System.Net;
using System.Text;

namespace BillingFunctions.Bench.Hosts;

/// <summary>
/// An HTTP client with a keep-alive connection per concurrent caller (up to <c>connections</c>), speaking the
/// API's contract; returns only the status, since the scenarios count answers rather than read them.
/// </summary>
internal sealed class BenchClient(string baseUrl, int connections) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseProxy = false,
        AllowAutoRedirect = false,
    })
    {
        BaseAddress = new Uri(baseUrl),
        Timeout = TimeSpan.FromSeconds(60),
    };

    public HttpClient Http => _http;

    public async Task<HttpStatusCode> Send(HttpMethod method, string path, string? json = null, string? idempotencyKey = null) =>
        (await SendReading(method, path, json, idempotencyKey, read: false)).Status;

    /// <summary>Sends and returns the status with the body (for setup calls whose answer matters).</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendReading(HttpMethod method, string path, string? json = null,
        string? idempotencyKey = null, bool read = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        if (idempotencyKey is not null)
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        using var response = await _http.SendAsync(request);
        var body = read ? await response.Content.ReadAsStringAsync() : "";
        return (response.StatusCode, body);
    }

    /// <summary>Opens an account and funds it, failing loudly if the server refuses either.</summary>
    public async Task OpenAndFund(string accountId, string openJson, string amount)
    {
        Expect(await SendReading(HttpMethod.Put, $"/api/accounts/{accountId}", openJson), HttpStatusCode.Created, HttpStatusCode.OK);
        Expect(await SendReading(HttpMethod.Post, $"/api/accounts/{accountId}/credits", $$"""{"amount":"{{amount}}"}""", $"fund-{accountId}"),
            HttpStatusCode.OK);
    }

    public static string Expect((HttpStatusCode Status, string Body) answer, params HttpStatusCode[] expected) =>
        expected.Contains(answer.Status)
            ? answer.Body
            : throw new InvalidOperationException($"Setup call answered {(int)answer.Status}: {answer.Body}");

    public void Dispose() => _http.Dispose();
}
