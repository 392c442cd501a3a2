using System.Runtime;

namespace BillingFunctions.Bench.Hosts;

/// <summary>Resident memory and managed heap of this process, each taken after a full, compacting, decommitting collection.</summary>
internal readonly record struct ProcessMemory(long Resident, long ManagedHeap)
{
    public static ProcessMemory Now()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return new ProcessMemory(self.WorkingSet64, GC.GetTotalMemory(forceFullCollection: false));
    }
}
