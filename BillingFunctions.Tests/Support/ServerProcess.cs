using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BillingFunctions.Tests.Support;

/// <summary>The real server as a child process (the built BillingFunctions.Server.dll), so a test can kill -9 it.</summary>
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

    /// <summary>Starts the server and waits until it serves.</summary>
    public static Task<ServerProcess> StartAsync(string dataDirectory, params string[] settings) => StartAsync(dataDirectory, null, settings);

    /// <summary>Starts the server on a given loopback port (null: a free one) and waits until it serves.</summary>
    public static async Task<ServerProcess> StartAsync(string dataDirectory, int? port, params string[] settings)
    {
        var server = Launch(dataDirectory, port, settings);
        try
        {
            await server.WaitUntilServingAsync();
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server process and returns at once, without waiting for it to serve (or to exit).</summary>
    /// <param name="port">A loopback port to listen on; null: a free one.</param>
    public static ServerProcess Launch(string dataDirectory, int? port, params string[] settings)
    {
        port ??= FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "BillingFunctions.Server.dll");
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
        return new ServerProcess(process, output, $"http://127.0.0.1:{port}");
    }

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>Waits until <c>/api/health</c> answers; throws if the process exits first or does not serve within 60 s.</summary>
    public async Task WaitUntilServingAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"The server exited with code {_process.ExitCode} during start: {string.Join(Environment.NewLine, Output)}");
            try
            {
                // 401: it is serving, behind the API key the test configured.
                if ((await Client.GetAsync("/api/health")).StatusCode is HttpStatusCode.OK or HttpStatusCode.Unauthorized)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException("The server did not become healthy within 60 s.");
    }

    /// <summary>Waits for the process to exit; false if it is still running after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            _process.WaitForExit(); // and for the last lines of its output
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, as a service manager or an orchestrator sends it: the server should drain and exit on its own.</summary>
    public void Terminate()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            UseShellExecute = false,
        })!;
        kill.WaitForExit();
        if (kill.ExitCode != 0)
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed with {kill.ExitCode}.");
    }

    /// <summary>SIGKILL: no shutdown hooks, no flush, exactly what a crash looks like to the store.</summary>
    public void KillHard()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>Sends SIGKILL and returns at once: a process with a thread blocked in the kernel (a frozen disk) only finishes dying once it is released.</summary>
    public void SendKill() => _process.Kill(entireProcessTree: true);

    public ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
            KillHard();
        Client.Dispose();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
