using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BillingFunctions.Tests.Support;

/// <summary>The real server as a child process (the built BillingFunctions.Local.dll), so a test can kill -9 it.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _output;

    private ServerProcess(Process process, System.Collections.Concurrent.ConcurrentQueue<string> output, string baseUrl)
    {
        _process = process;
        _output = output;
        BaseUrl = baseUrl;
        Client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string BaseUrl { get; }
    public HttpClient Client { get; }

    /// <summary>Every line the server wrote to stdout and stderr: its real console log.</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    public static async Task<ServerProcess> StartAsync(string dataDirectory, params string[] settings)
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "BillingFunctions.Local.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            dll, "--urls", $"http://127.0.0.1:{port}", "--environment", "Production",
            $"--Billing:DataDirectory={dataDirectory}", "--Billing:AllowedCallbackHosts:0=127.0.0.1",
            "--Billing:Webhook:InitialBackoffMilliseconds=100", "--Logging:LogLevel:Default=Warning",
        }.Concat(settings.Select(s => "--" + s)))
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        var output = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.OutputDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new ServerProcess(process, output, $"http://127.0.0.1:{port}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} during start.");
            try
            {
                // 401: it is serving, behind the API key the test configured.
                if ((await server.Client.GetAsync("/api/health")).StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                    return server;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50);
        }
        await server.DisposeAsync();
        throw new TimeoutException("The server did not become healthy within 30 s.");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, exactly what a crash looks like to the store.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            KillHard();
        Client.Dispose();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
