using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;

namespace BillingFunctions.Tests.Infrastructure;

/// <summary>The Bicep CLI that NuGet restores from the Azure.Bicep.CommandLine.linux-x64 package, run as a child process.</summary>
public sealed class BicepCli
{
    public const string Package = "Azure.Bicep.CommandLine.linux-x64";

    // A guard against a hung process, not a measurement: a build takes seconds.
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private readonly string _path;

    private BicepCli(string path) => _path = path;

    /// <summary>The CLI the test project restored (its path is baked into this assembly at build time).</summary>
    public static BicepCli Restored() => At(BuildMetadata("BicepCli"));

    /// <summary>The CLI at <paramref name="path"/>; throws, saying what to install or restore, when it cannot run there.</summary>
    public static BicepCli At(string path)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.OSArchitecture != Architecture.X64)
            throw new InvalidOperationException(
                $"The template tests run the Bicep CLI from the {Package} package, which runs on Linux x64 only; " +
                $"this machine is {RuntimeInformation.OSDescription} ({RuntimeInformation.OSArchitecture}). Run them on Linux x64.");
        if (!File.Exists(path))
            throw new InvalidOperationException(
                $"The Bicep CLI is not at '{path}'. It comes from the NuGet package {Package} (version in Directory.Packages.props), " +
                "which BillingFunctions.Tests references: run `dotnet restore BillingFunctions.Tests` with a NuGet feed that serves it, then rebuild.");
        if ((File.GetUnixFileMode(path) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0)
            throw new InvalidOperationException($"The Bicep CLI at '{path}' is not executable: run `chmod +x {path}`.");
        return new BicepCli(path);
    }

    /// <summary>Runs <c>bicep</c> with <paramref name="arguments"/>. <paramref name="environment"/> sets variables for the
    /// child; a null value removes one it would otherwise inherit.</summary>
    public async Task<BicepRun> RunAsync(IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var info = new ProcessStartInfo(_path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
        {
            if (value is null)
                info.Environment.Remove(name);
            else
                info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {_path}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`bicep {string.Join(' ', arguments)}` was still running after {Limit.TotalMinutes} minutes.");
        }
        return new BicepRun($"bicep {string.Join(' ', arguments)}", process.ExitCode, (await output + await errors).Trim());
    }

    private static string BuildMetadata(string key) =>
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().SingleOrDefault(a => a.Key == key)?.Value
        ?? throw new InvalidOperationException($"BillingFunctions.Tests was built without its '{key}' metadata (see its .csproj).");

    /// <summary>The repository's infra/ directory, as the test project saw it at build time.</summary>
    public static string InfraDirectory => BuildMetadata("InfraDirectory");
}

/// <summary>One finished run: what was run, its exit code, and everything it printed (stdout, then stderr).</summary>
public sealed record BicepRun(string Command, int ExitCode, string Output)
{
    public override string ToString() => $"`{Command}` exited with {ExitCode}" + (Output.Length == 0 ? ", printing nothing." : $":\n{Output}");
}
