namespace BillingFunctions.Tests.Support;

/// <summary>
/// Keeps a disk full, as another process eating the space would: fills it to the last byte, then goes on taking any
/// space that is freed (SQLite giving back its write-ahead log at a checkpoint, say) until stopped.
/// </summary>
public sealed class DiskFiller(string path)
{
    private readonly CancellationTokenSource _stop = new();
    private Task _filling = Task.CompletedTask;

    /// <summary>Fills the disk now, then keeps it full in the background.</summary>
    public void Start()
    {
        var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        FillUp(file);
        _filling = Task.Run(async () =>
        {
            using (file)
            {
                while (!_stop.IsCancellationRequested)
                {
                    FillUp(file);
                    await Task.Delay(5);
                }
            }
        });
    }

    public async Task StopAndDelete()
    {
        await _stop.CancelAsync();
        await _filling;
        File.Delete(path);
    }

    /// <summary>Large chunks, then smaller ones into what is left, down to the last byte.</summary>
    private static void FillUp(FileStream file)
    {
        foreach (var size in new[] { 64 * 1024, 4096, 512, 1 })
        {
            var chunk = new byte[size];
            try
            {
                while (true)
                    file.Write(chunk);
            }
            catch (IOException)
            {
                // No space left on the device for a chunk this size.
            }
        }
    }
}
