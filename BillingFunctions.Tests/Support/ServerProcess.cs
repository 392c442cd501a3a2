using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BillingFunctions.Tests.Support;

/// <summary>The real server as a child process (the built BillingFunctions.Local.dll), so a test can kill -9 it.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
        Client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(10) };
    }

    public string BaseUrl { get; }
    public HttpClient Client { get; }

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
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var server = new ServerProcess(process, $"http://127.0.0.1:{port}");
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} during start.");
            try
            {
                if ((await server.Client.GetAsync("/api/health")).IsSuccessStatusCode)
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
