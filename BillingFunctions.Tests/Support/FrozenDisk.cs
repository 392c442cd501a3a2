namespace BillingFunctions.Tests.Support;

/// <summary>
/// A small ext4 file system on a loop device that the test can freeze (<c>fsfreeze</c>): while frozen, every write to
/// it and every flush blocks in the kernel, exactly as a stalled disk does, and resumes when it is thawed. Needs root
/// (mount, losetup and fsfreeze, from util-linux and e2fsprogs).
/// </summary>
public sealed class FrozenDisk : IAsyncDisposable
{
    private readonly string _image;
    private bool _frozen;

    private FrozenDisk(string image, string path)
    {
        _image = image;
        Path = path;
    }

    /// <summary>Where the file system is mounted.</summary>
    public string Path { get; }

    public static FrozenDisk Create()
    {
        var root = TempDirectory.Create();
        var image = System.IO.Path.Combine(root, "disk.img");
        var path = System.IO.Path.Combine(root, "mounted");
        Directory.CreateDirectory(path);
        using (var file = File.Create(image))
            file.SetLength(64 * 1024 * 1024);
        Require(SystemCommands.Run("mkfs.ext4", "-q", "-F", image), "mkfs.ext4 failed: install e2fsprogs");
        Require(SystemCommands.Run("mount", "-o", "loop", image, path),
            "cannot mount a loop device: run the tests as root (CAP_SYS_ADMIN) on a machine with /dev/loop-control");
        return new FrozenDisk(image, path);
    }

    public void Freeze()
    {
        Require(SystemCommands.Run("fsfreeze", "-f", Path), "fsfreeze -f failed: install util-linux and run the tests as root");
        _frozen = true;
    }

    public void Thaw()
    {
        if (!_frozen)
            return;
        Require(SystemCommands.Run("fsfreeze", "-u", Path), $"fsfreeze -u {Path} failed: thaw it by hand, or processes writing to it stay blocked");
        _frozen = false;
    }

    public ValueTask DisposeAsync()
    {
        Thaw();
        SystemCommands.Unmount(Path);
        File.Delete(_image);
        return ValueTask.CompletedTask;
    }

    private static void Require(bool done, string message)
    {
        if (!done)
            throw new InvalidOperationException(message);
    }
}
