using System.Diagnostics;
using BillingFunctions.Bench.Spikes.CommitLog.Candidates;

namespace BillingFunctions.Bench.Spikes.CommitLog.Measurements;

/// <summary>
/// A child process that appends durable batches, reports how many records were acknowledged, appends some more
/// without waiting for durability, then aborts (Environment.FailFast): no Dispose, no flush, no clean shutdown.
/// </summary>
static class CrashWriter
{
    public const string Command = "crash-writer";
    public const int UnacknowledgedRecords = 100;

    /// <summary>In the child: the arguments are the candidate, the directory, the record count and the batch size.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var candidate = Candidate.Named(args[1]);
        var directory = args[2];
        var records = int.Parse(args[3]);
        var batchSize = int.Parse(args[4]);

        var log = candidate.Open(directory);
        var batch = new RecordBatch(batchSize);
        for (var sequence = 0; sequence < records; sequence += batchSize)
        {
            batch.Fill(sequence);
            await log.AppendAsync(batch.Records, durable: true);
        }
        Console.Out.WriteLine($"acked {records}");
        Console.Out.Flush();

        var tail = new RecordBatch(UnacknowledgedRecords);
        tail.Fill(records);
        await log.AppendAsync(tail.Records, durable: false);
        Environment.FailFast("simulated crash after the last acknowledged batch");
        return 0;
    }

    /// <summary>In the parent: runs the child to its crash and returns how many records it acknowledged.</summary>
    public static int Run(Candidate candidate, string directory, int records, int batchSize)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
            start.ArgumentList.Add(typeof(CrashWriter).Assembly.Location);
        foreach (var arg in new[] { Command, candidate.Name, directory, records.ToString(), batchSize.ToString() })
            start.ArgumentList.Add(arg);
        start.Environment["DOTNET_DbgEnableMiniDump"] = "0";

        using var child = Process.Start(start)!;
        var stderr = child.StandardError.ReadToEndAsync();
        var stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        var acknowledged = stdout.Split('\n').FirstOrDefault(l => l.StartsWith("acked "));
        if (acknowledged is null || child.ExitCode == 0)
            throw new InvalidOperationException($"The crash writer did not crash as planned (exit {child.ExitCode}): {stdout} {stderr.Result}");
        return int.Parse(acknowledged["acked ".Length..]);
    }
}
