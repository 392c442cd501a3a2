using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace BillingFunctions.Server.Storage;

/// <summary>
/// The exclusive OS lock that makes one process the owner of a data directory, held for that process's life.
/// <para>
/// Two processes on one database each decide against their own memory and the database takes both commits:
/// money is spent twice. The lock is <c>billing.lock</c> in the directory, opened with <see cref="FileShare.None"/>,
/// which .NET turns into <c>flock(LOCK_EX | LOCK_NB)</c> on Unix and a share-mode lock on Windows. The OS drops it
/// when the process dies, kill -9 included, so a crashed owner never blocks its successor. The file holds the
/// owner's process id so that a refused process can name it. Where a file system ignores the lock, the owner row in
/// the database (<see cref="StoreOwnership"/>) still stops the older process from writing.
/// </para>
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "billing.lock";

    private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(50);

    private readonly FileStream _file;

    private DataDirectoryLock(string directory, FileStream file, TimeSpan waited, int? waitedFor)
    {
        Directory = directory;
        _file = file;
        Waited = waited;
        WaitedFor = waitedFor;
    }

    /// <summary>The data directory, as a full path.</summary>
    public string Directory { get; }

    /// <summary>How long <see cref="Acquire"/> waited for the previous owner to let go (zero when the directory was free).</summary>
    public TimeSpan Waited { get; }

    /// <summary>The process id of the owner that <see cref="Acquire"/> waited for, when it had to wait and could read it.</summary>
    public int? WaitedFor { get; }

    /// <summary>
    /// Takes the lock, creating the directory if needed. When another process holds it, tries again every 50 ms until
    /// <paramref name="wait"/> has passed (zero: not at all), then throws <see cref="DataDirectoryInUseException"/>.
    /// </summary>
    /// <param name="waiting">Told once, with the holder's process id if known, when the lock is held and this call is going to wait.</param>
    public static DataDirectoryLock Acquire(string dataDirectory, TimeSpan wait = default, Action<int?>? waiting = null)
    {
        var directory = Path.GetFullPath(dataDirectory);
        System.IO.Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        var clock = Stopwatch.StartNew();
        var refused = false;
        int? holder = null;
        while (true)
        {
            try
            {
                var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
                RecordOwner(file);
                return new DataDirectoryLock(directory, file, refused ? clock.Elapsed : TimeSpan.Zero, holder);
            }
            catch (IOException locked) when (IsHeldElsewhere(locked))
            {
                holder = ReadOwner(path) ?? holder;
                if (clock.Elapsed >= wait)
                    throw new DataDirectoryInUseException(directory, path, holder, wait);
                if (!refused)
                    waiting?.Invoke(holder);
                refused = true;
            }
            Thread.Sleep(RetryInterval);
        }
    }

    /// <summary>
    /// Whether a second, independent open of the lock file is refused, as it must be while this lock holds. A file
    /// system that ignores the lock (or a runtime with file locking switched off) lets it through.
    /// </summary>
    public bool IsEnforced()
    {
        try
        {
            using var second = new FileStream(_file.Name, FileMode.Open, FileAccess.ReadWrite, FileShare.None, bufferSize: 0);
            return false;
        }
        catch (IOException locked) when (IsHeldElsewhere(locked))
        {
            return true;
        }
    }

    /// <summary>Releases the lock: the next process may take the directory.</summary>
    public void Dispose() => _file.Dispose();

    private static void RecordOwner(FileStream file)
    {
        var text = Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
        file.SetLength(0);
        file.Write(text);
    }

    /// <summary>
    /// The lock file's process id. On Unix, .NET cannot open a file that another process holds with FileShare.None
    /// (it asks for a shared flock, which is refused), so it is read through open(2), which takes no lock.
    /// </summary>
    private static int? ReadOwner(string path)
    {
        if (OperatingSystem.IsWindows())
            return null; // the share mode refuses every open, readers included: the error says "another process"
        try
        {
            var descriptor = Unix.open(path, Unix.ReadOnly);
            if (descriptor < 0)
                return null;
            using var file = new FileStream(new SafeFileHandle(descriptor, ownsHandle: true), FileAccess.Read, bufferSize: 0);
            Span<byte> buffer = stackalloc byte[32];
            var length = file.Read(buffer);
            return int.TryParse(Encoding.ASCII.GetString(buffer[..length]).Trim(), out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or DllNotFoundException or EntryPointNotFoundException)
        {
            return null; // only for the message: "another process" is still true
        }
    }

    /// <summary>EWOULDBLOCK from flock on Unix (11 on Linux, 35 on macOS), a sharing or lock violation on Windows.</summary>
    private static bool IsHeldElsewhere(IOException error) =>
        error.HResult is 11 or 35 or unchecked((int)0x80070020) or unchecked((int)0x80070021);

    private static class Unix
    {
        public const int ReadOnly = 0;

        [DllImport("libc", SetLastError = true)]
        public static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
    }
}

/// <summary>Another process owns the data directory; this one must not open it.</summary>
public sealed class DataDirectoryInUseException(string directory, string lockFile, int? holder, TimeSpan waited)
    : Exception(Describe(directory, lockFile, holder, waited))
{
    /// <summary>The server's exit code when refused: EX_TEMPFAIL of sysexits.h, "try again later" (once the owner has gone).</summary>
    public const int ExitCode = 75;

    public string Directory => directory;
    public int? Holder => holder;

    private static string Describe(string directory, string lockFile, int? holder, TimeSpan waited)
    {
        var who = holder is { } pid ? $"process {pid}" : "another process";
        var still = waited > TimeSpan.Zero ? $" (still, after waiting {waited.TotalSeconds:0.#} s)" : "";
        return $"Data directory {directory} is in use by {who}{still}, which holds {lockFile}; only one server process may own a "
            + $"data directory. Stop {who}, give this server another Billing:DataDirectory, or set Billing:DataDirectoryLockWaitSeconds "
            + "to wait for it to exit.";
    }
}
