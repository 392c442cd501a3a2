namespace BillingFunctions.Server.Engine;

/// <summary>
/// Which operation ids may already be used: a Bloom filter in front of the store's point read, so the writer
/// tells a new id (nearly every write) from a retry without touching SQLite. "No" is certain; "maybe" falls
/// through to the read. Bits are only ever set, so the filter never forgets a key; a full filter just answers
/// "maybe" more often. That includes ids whose answers expired and were pruned: for those the read finds nothing (or
/// an expired row) and the id is new, which is what the retention asks. Until the ids already on disk are loaded,
/// every answer is "maybe".
/// </summary>
internal sealed class IdempotencyFilter
{
    // 2^26 bits = 8 MiB: about 1 % "maybe" for new ids at 7 million stored ids, rising slowly beyond.
    private const int Log2Bits = 26;
    private const int Probes = 4;
    private readonly ulong[] _words = new ulong[(1 << Log2Bits) / 64];
    private volatile bool _loaded;

    public bool Loaded => _loaded;

    /// <summary>Thread-safe: the writer adds new ids while the start-up load adds the stored ones.</summary>
    public void Add(string key)
    {
        var (h1, h2) = Hash(key);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (h1 + (uint)i * h2) & ((1u << Log2Bits) - 1);
            Interlocked.Or(ref _words[bit >> 6], 1UL << (int)(bit & 63));
        }
    }

    /// <summary>Called once every id stored before the engine started has been added.</summary>
    public void MarkLoaded() => _loaded = true;

    public bool MayContain(string key)
    {
        if (!_loaded)
            return true;
        var (h1, h2) = Hash(key);
        for (var i = 0; i < Probes; i++)
        {
            var bit = (h1 + (uint)i * h2) & ((1u << Log2Bits) - 1);
            if ((Volatile.Read(ref _words[bit >> 6]) & (1UL << (int)(bit & 63))) == 0)
                return false;
        }
        return true;
    }

    /// <summary>Two independent 32-bit hashes (FNV-1a 64 with a murmur finaliser) for double hashing; stable across runs.</summary>
    private static (uint, uint) Hash(string key)
    {
        var h = 14695981039346656037UL;
        foreach (var c in key)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdUL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53UL;
        h ^= h >> 33;
        return ((uint)h, (uint)(h >> 32) | 1);
    }
}
