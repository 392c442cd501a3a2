using System.Diagnostics;

namespace BillingFunctions.Tests.Support;

/// <summary>
/// The operating-system commands the fault tests use to make real faults: a small tmpfs for a full disk, the immutable
/// flag for read-only files. They need root (or CAP_SYS_ADMIN and CAP_LINUX_IMMUTABLE); without it a test fails
/// saying so rather than passing untested.
/// </summary>
public static class SystemCommands
{
    public static void MountTmpfs(string path, string size) =>
        Require(Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path),
            $"cannot mount a {size} tmpfs at {path}: run the tests as root (or with CAP_SYS_ADMIN) to exercise a full disk");

    public static void Unmount(string path)
    {
        if (!Run("umount", path))
            Run("umount", "-l", path);
    }

    /// <summary>
    /// Sets or clears the immutable flag. Not chmod: the tests run as root, which ignores permission bits; this flag binds
    /// root too, even on file descriptors already open.
    /// </summary>
    public static void Immutable(bool on, params string[] paths) =>
        Require(Run("chattr", [on ? "+i" : "-i", .. paths]),
            $"chattr {(on ? "+i" : "-i")} failed: install e2fsprogs and run the tests as root (CAP_LINUX_IMMUTABLE) on a file system with the immutable flag");

    public static bool Run(string command, params string[] args)
    {
        try
        {
            var info = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in args)
                info.ArgumentList.Add(arg);
            using var process = Process.Start(info)!;
            process.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such command here
        }
    }

    private static void Require(bool done, string message)
    {
        if (!done)
            throw new InvalidOperationException(message);
    }
}
