using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace BillingFunctions.Bench.Peers;

/// <summary>What one client process measured against the peer.</summary>
internal readonly record struct PeerRun(int Callers, double WritesPerSecond, long Failed);

/// <summary>
/// Tarantool running a stored-procedure debit with WAL fsync (<c>Peers/tarantool/server.lua</c>) over a fresh
/// directory, and a second tarantool process per measurement (<c>client.lua</c>) driving it over net.box.
/// The server process is killed when this is disposed, whatever happened.
/// </summary>
internal sealed partial class TarantoolPeer : IAsyncDisposable
{
    public const string InstallCommand = "apt-get install -y tarantool";

    /// <summary>The server's account count, the engine scenario's default.</summary>
    private const int Accounts = 10_000;

    private static readonly string Scripts = Path.Combine(AppContext.BaseDirectory, "Peers", "tarantool");

    private readonly Process _server;
    private readonly string _directory;
    private readonly int _port;

    private TarantoolPeer(Process server, string directory, int port)
    {
        _server = server;
        _directory = directory;
        _port = port;
    }

    /// <summary>Whether a <c>tarantool</c> executable is on the PATH.</summary>
    public static bool IsInstalled() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(directory => File.Exists(Path.Combine(directory, "tarantool")));

    /// <summary>The first line of <c>tarantool --version</c>, e.g. "Tarantool 2.6.0-0-g…".</summary>
    public static async Task<string> VersionAsync(CancellationToken cancellation)
    {
        var start = new ProcessStartInfo("tarantool", "--version") { RedirectStandardOutput = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellation);
        await process.WaitForExitAsync(cancellation);
        return output.Split('\n', 2)[0].Trim();
    }

    public static async Task<TarantoolPeer> StartAsync(string directory, CancellationToken cancellation)
    {
        var port = FreeLoopbackPort();
        var ready = Path.Combine(directory, "ready");
        var server = Process.Start(Tarantool("server.lua", directory, new Dictionary<string, string>
        {
            ["LISTEN"] = $"127.0.0.1:{port}",
            ["DATA_DIR"] = directory,
            ["WAL_MODE"] = "fsync",
            ["ACCOUNTS"] = Accounts.ToString(CultureInfo.InvariantCulture),
            ["READY_FILE"] = ready,
        }))!;
        var peer = new TarantoolPeer(server, directory, port);
        var waited = Stopwatch.StartNew();
        while (!File.Exists(ready))
        {
            if (server.HasExited || waited.Elapsed > TimeSpan.FromSeconds(30))
            {
                await peer.DisposeAsync();
                throw new InvalidOperationException($"tarantool did not start: {peer.LogTail()}");
            }
            await Task.Delay(50, cancellation);
        }
        return peer;
    }

    /// <summary>Runs one client process: <paramref name="callers"/> fibers for warm-up plus measured seconds.</summary>
    public async Task<PeerRun> MeasureAsync(int callers, double seconds, double warmup, CancellationToken cancellation)
    {
        var start = Tarantool("client.lua", _directory, new Dictionary<string, string>
        {
            ["TARGET"] = $"127.0.0.1:{_port}",
            ["CALLERS"] = callers.ToString(CultureInfo.InvariantCulture),
            ["DURATION"] = seconds.ToString(CultureInfo.InvariantCulture),
            ["WARMUP"] = warmup.ToString(CultureInfo.InvariantCulture),
            ["ACCOUNTS"] = Accounts.ToString(CultureInfo.InvariantCulture),
        });
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var client = Process.Start(start)!;
        try
        {
            var output = client.StandardOutput.ReadToEndAsync(cancellation);
            var errors = client.StandardError.ReadToEndAsync(cancellation);
            await client.WaitForExitAsync(cancellation);
            var line = ClientLine().Match(await output);
            if (client.ExitCode != 0 || !line.Success)
                throw new InvalidOperationException($"the tarantool client failed ({client.ExitCode}): {await output}{await errors} {LogTail()}");
            return new PeerRun(callers,
                double.Parse(line.Groups["rate"].Value, CultureInfo.InvariantCulture),
                long.Parse(line.Groups["failed"].Value, CultureInfo.InvariantCulture));
        }
        finally
        {
            if (!client.HasExited)
                client.Kill(entireProcessTree: true);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_server.HasExited)
        {
            _server.Kill(entireProcessTree: true);
            await _server.WaitForExitAsync();
        }
        _server.Dispose();
    }

    private static ProcessStartInfo Tarantool(string script, string workingDirectory, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("tarantool") { WorkingDirectory = workingDirectory, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(Scripts, script));
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        return start;
    }

    private string LogTail()
    {
        var log = Path.Combine(_directory, "tarantool.log");
        return File.Exists(log) ? string.Join(" | ", File.ReadLines(log).TakeLast(3)) : "(no log)";
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"failed=(?<failed>\d+) writes_per_second=(?<rate>\d+)")]
    private static partial Regex ClientLine();
}
