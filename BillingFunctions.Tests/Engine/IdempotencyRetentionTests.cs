using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Identity;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Engine;

/// <summary>
/// The writer and a real store with a one-hour idempotency retention, with no background pruning (the engine
/// alone), so each step is deterministic: what an unpruned expired row does, and what one pruning chunk deletes.
/// The SQLite file is read once the projection has caught up with the log.
/// The clock is the test's because this is about time arithmetic.
/// </summary>
public sealed class IdempotencyRetentionTests
{
    private static readonly IdempotencyRetention OneHour = IdempotencyRetention.FromHours(1);
    private readonly JumpingClock _clock = new();
    private readonly string _data = TempDirectory.Create();

    [Fact]
    public async Task An_id_whose_answer_expired_is_a_new_request_and_is_recorded_again_over_its_unpruned_row()
    {
        using var store = new SqliteStore(_data);
        await using var engine = await Start(store);
        var first = await Credit(engine, "acct|op-1");
        Assert.False(first.Replayed);

        _clock.Jump(TimeSpan.FromMinutes(59));
        Assert.Equal(first with { Replayed = true }, await Credit(engine, "acct|op-1"));
        Assert.True(await store.CaughtUp());
        var firstRecorded = RecordedAt("acct|op-1");

        _clock.Jump(TimeSpan.FromMinutes(1)); // an hour after it was recorded: expired, and still in the file
        var second = await Credit(engine, "acct|op-1");
        Assert.False(second.Replayed);
        Assert.NotEqual(first.Body, second.Body); // applied again: a new balance and instant
        Assert.Equal(second with { Replayed = true }, await Credit(engine, "acct|op-1"));

        Assert.True(engine.TryGetAccount("acct", out var state));
        Assert.Equal(new Money(2), state.Balance); // applied twice: once per window
        Assert.True(await store.CaughtUp());
        Assert.True(RecordedAt("acct|op-1") >= firstRecorded + TimeSpan.TicksPerHour);
        Assert.Equal(1, Scalar("SELECT count(*) FROM idempotency"));
    }

    [Fact]
    public async Task Pruning_deletes_expired_rows_one_chunk_per_request_and_keeps_the_rest()
    {
        using var store = new SqliteStore(_data);
        await using var engine = await Start(store);
        await Task.WhenAll(Enumerable.Range(0, 5000).Select(i => Credit(engine, $"acct|old-{i}")));
        _clock.Jump(TimeSpan.FromMinutes(30));
        await Task.WhenAll(Enumerable.Range(0, 10).Select(i => Credit(engine, $"acct|new-{i}")));
        _clock.Jump(TimeSpan.FromMinutes(30)); // the old ones are an hour old now; the new ones half an hour

        var deleted = new List<int>();
        for (var i = 0; i < 4; i++)
            deleted.Add(await store.PruneExpiredAnswers(OneHour.LatestExpired(engine.Now()), 2000));
        Assert.Equal([2000, 2000, 1000, 0], deleted);
        Assert.Equal(10, Scalar("SELECT count(*) FROM idempotency"));
        Assert.Equal(10, Scalar("SELECT count(*) FROM idempotency WHERE key LIKE 'acct|new-%'"));

        // A pruned id may still be a "maybe" in the filter: the read finds nothing, and the id is new.
        Assert.True(engine.UsedKeys.MayContain("acct|old-7"));
        Assert.False((await Credit(engine, "acct|old-7")).Replayed);
        Assert.True((await Credit(engine, "acct|new-3")).Replayed);
    }

    private async Task<BillingEngine> Start(SqliteStore store)
    {
        var engine = new BillingEngine(store, _clock, NullLogger<BillingEngine>.Instance, () => null, idempotencyRetention: OneHour);
        engine.Start();
        Assert.IsType<Written>(await engine.Execute(AccountWrite.Open("acct", "USD")));
        return engine;
    }

    /// <summary>A credit of one micro-unit under the operation id that <paramref name="key"/> (<c>acct|{operationId}</c>) stores it as.</summary>
    private static async Task<Written> Credit(BillingEngine engine, string key) =>
        Assert.IsType<Written>(await engine.Execute(AccountWrite.Move(WriteKind.Credit, "acct", 1, key["acct|".Length..])));

    private long RecordedAt(string key) => Scalar($"SELECT created_at FROM idempotency WHERE key = '{key}'");

    /// <summary>A number read from the SQLite file itself, on a connection of the test's own.</summary>
    private long Scalar(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "billing.db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}
