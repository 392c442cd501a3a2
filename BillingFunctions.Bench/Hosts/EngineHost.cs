using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using Microsoft.Extensions.Logging.Abstractions;

namespace BillingFunctions.Bench.Hosts;

/// <summary>The real engine in this process over a real data directory (commit log and SQLite), with the server's default durability (the log flushed per batch).</summary>
internal sealed class EngineHost : IAsyncDisposable
{
    private EngineHost(SqliteStore store, BillingEngine engine)
    {
        Store = store;
        Engine = engine;
    }

    public SqliteStore Store { get; }
    public BillingEngine Engine { get; }

    /// <summary>Opens the store and builds the engine (loading every account and arming its wake), without starting the writer.</summary>
    public static EngineHost Open(string dataDirectory)
    {
        var store = new SqliteStore(dataDirectory, flushLog: true);
        return new EngineHost(store, new BillingEngine(store, TimeProvider.System, NullLogger<BillingEngine>.Instance, () => null));
    }

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Store.Dispose();
    }
}
