using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using Microsoft.Extensions.Logging.Abstractions;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Engine;

/// <summary>
/// The filter in front of the idempotency point read may say "maybe" wrongly but never "no" wrongly: a missed
/// "maybe" would apply a retried operation twice. Checked on its own and through a real restart.
/// </summary>
public sealed class IdempotencyFilterTests
{
    [Fact]
    public void Every_added_id_is_a_maybe()
    {
        Prop.ForAll(Gen.ListOf(ArbMap.Default.GeneratorFor<NonNull<string>>()).ToArbitrary(), keys =>
        {
            var filter = new IdempotencyFilter();
            filter.MarkLoaded();
            foreach (var key in keys)
                filter.Add(key.Get);
            return keys.All(key => filter.MayContain(key.Get));
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Until_the_stored_ids_are_loaded_every_id_is_a_maybe()
    {
        var filter = new IdempotencyFilter();
        Assert.All(Enumerable.Range(0, 1000), i => Assert.True(filter.MayContain($"never-added-{i}")));
    }

    [Fact]
    public void Once_loaded_new_ids_are_told_apart_without_the_store()
    {
        var filter = new IdempotencyFilter();
        for (var i = 0; i < 100_000; i++)
            filter.Add($"acct-{i % 100}|op-{i}");
        filter.MarkLoaded();
        // Deterministic hashes: with 100k of 67M bits set, a handful of false "maybe"s at most.
        Assert.InRange(Enumerable.Range(0, 10_000).Count(i => filter.MayContain($"acct-{i % 100}|fresh-{i}")), 0, 10);
    }

    [Fact]
    public async Task Operation_ids_stored_before_a_restart_are_replayed_after_it()
    {
        var data = TempDirectory.Create();
        var ids = Enumerable.Range(0, 50).Select(i => $"acct|op-{i}").ToList();
        var first = new Dictionary<string, Written>();
        using (var store = new SqliteStore(data))
        {
            await using var engine = new BillingEngine(store, TimeProvider.System, NullLogger<BillingEngine>.Instance, () => null);
            engine.Start();
            Assert.IsType<Written>(await engine.Execute(AccountWrite.Open("acct", "USD")));
            foreach (var id in ids)
            {
                first[id] = await Credit(engine, id);
                Assert.False(first[id].Replayed);
            }
        }

        using (var store = new SqliteStore(data))
        {
            await using var engine = new BillingEngine(store, TimeProvider.System, NullLogger<BillingEngine>.Instance, () => null);
            engine.Start();
            await engine.UsedKeysLoaded;
            Assert.True(engine.UsedKeys.Loaded);
            foreach (var id in ids)
                Assert.Equal(first[id] with { Replayed = true }, await Credit(engine, id));
            Assert.False((await Credit(engine, "acct|op-new")).Replayed);

            Assert.True(engine.TryGetAccount("acct", out var state));
            Assert.Equal(new Money(51), state.Balance);
        }
    }

    /// <summary>A credit of one micro-unit under the operation id that <paramref name="key"/> (<c>acct|{operationId}</c>) stores it as.</summary>
    private static async Task<Written> Credit(BillingEngine engine, string key) =>
        Assert.IsType<Written>(await engine.Execute(AccountWrite.Move(WriteKind.Credit, "acct", 1, key["acct|".Length..])));
}
