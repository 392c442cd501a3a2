using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace BillingFunctions.Tests.Support;

/// <summary>
/// A real Azurite (blobs, queues, tables) on free loopback ports with a fresh temporary location, shared by every test
/// in the run. Azurite is pinned in <c>BillingFunctions.Tests/Azurite/package.json</c> and its lock file; the first use
/// installs it with <c>npm ci</c> if it is missing. Without Node.js the tests fail and say what to install.
/// </summary>
public sealed class Azurite
{
    // Azurite's fixed development account (documented by Azure; not a secret).
    public const string AccountName = "devstoreaccount1";
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<Azurite>> Shared = new(StartAsync);

    private Azurite(int blobPort, int queuePort, int tablePort)
    {
        BlobEndpoint = $"http://127.0.0.1:{blobPort}/{AccountName}";
        QueueEndpoint = $"http://127.0.0.1:{queuePort}/{AccountName}";
        TableEndpoint = $"http://127.0.0.1:{tablePort}/{AccountName}";
    }

    public string BlobEndpoint { get; }
    public string QueueEndpoint { get; }
    public string TableEndpoint { get; }

    /// <summary>A storage connection string for all three services, as the Azure SDKs and DurableTask take it.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint={BlobEndpoint};QueueEndpoint={QueueEndpoint};TableEndpoint={TableEndpoint};";

    /// <summary>The run's Azurite, started on first use.</summary>
    public static Task<Azurite> Instance => Shared.Value;

    private static async Task<Azurite> StartAsync()
    {
        var folder = Path.Combine(RepositoryRoot(), "BillingFunctions.Tests", "Azurite");
        var executable = Path.Combine(folder, "node_modules", ".bin", "azurite");
        if (!File.Exists(executable))
            await InstallAsync(folder);

        // A free port can be taken by another process between choosing it and Azurite binding it (other test runs
        // share the machine); Azurite then exits at once, and a new set of ports is tried.
        for (var attempt = 1; ; attempt++)
        {
            var (started, output) = await TryStartAsync(folder, executable);
            if (started is not null)
                return started;
            if (attempt == 3 || !output.Contains("EADDRINUSE", StringComparison.Ordinal))
                throw new InvalidOperationException($"Azurite did not start listening (attempt {attempt}). Its output:\n{output}");
        }
    }

    private static async Task<(Azurite? Started, string Output)> TryStartAsync(string folder, string executable)
    {
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        var location = Directory.CreateTempSubdirectory("azurite-").FullName;
        // Through a shell that ends Azurite when our end of its stdin closes: that happens whenever the test host ends,
        // even when it is killed and no exit handler runs, so no Azurite outlives the run. The shell itself exits with
        // Azurite, so a failed start (a port taken meanwhile) is seen at once. (A background job's stdin
        // is /dev/null, hence the watcher reads ours as fd 3.)
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "-c", "exec 3<&0; \"$0\" \"$@\" </dev/null & azurite=$!; (cat <&3 >/dev/null; kill $azurite 2>/dev/null) & wait $azurite", executable,
            "--location", location, "--disableTelemetry", "--skipApiVersionCheck",
            "--blobHost", "127.0.0.1", "--blobPort", $"{blob}",
            "--queueHost", "127.0.0.1", "--queuePort", $"{queue}",
            "--tableHost", "127.0.0.1", "--tablePort", $"{table}",
        })
            info.ArgumentList.Add(argument);
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {executable}.");
        var output = new ConcurrentQueue<string>();
        var listening = 0;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is null)
                return;
            output.Enqueue(line.Data);
            if (line.Data.Contains("successfully listening", StringComparison.Ordinal) && Interlocked.Increment(ref listening) == 3)
                ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, line) => { if (line.Data is not null) output.Enqueue(line.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // A normal exit closes stdin at once rather than when the runtime gets to it.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => process.StandardInput.Close();

        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(ready.Task, exited, Task.Delay(TimeSpan.FromSeconds(60)));
        if (first == ready.Task)
            return (new Azurite(blob, queue, table), "");
        try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        return (null, $"(exited: {process.HasExited})\n{string.Join('\n', output)}");
    }

    private static async Task InstallAsync(string folder)
    {
        var info = new ProcessStartInfo("npm")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "ci", "--no-audit", "--no-fund" })
            info.ArgumentList.Add(argument);
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException(
                "The Azure tests need Azurite, which is installed with npm: install Node.js 20 or later (with npm) and run the tests again. " +
                $"Starting npm failed: {error.Message}");
        }
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"'npm ci' in {folder} failed with exit code {process.ExitCode}; Azurite is needed by the Azure tests.\n{await stdout}\n{await stderr}");
    }

    /// <summary>The folder holding BillingFunctions.slnx, above the test binaries.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BillingFunctions.slnx")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"No BillingFunctions.slnx above {AppContext.BaseDirectory}.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
