using Azure;
using Azure.Data.Tables;
using BillingFunctions.Core.Orders;
using BillingFunctions.Orders;
using BillingFunctions.Tables;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Tables;

/// <summary>
/// <see cref="BasketStore"/> against Azurite's table endpoint: every basket change is an ETag compare-and-set, so of
/// writers holding the same ETag exactly one wins and the others are told so (the order functions then answer
/// "changed meanwhile; retry" or re-read the basket), and nothing is ever overwritten unconditionally.
/// </summary>
public sealed class BasketStoreTests
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public async Task Of_two_writers_with_the_same_etag_exactly_one_wins_and_the_other_keeps_losing_until_it_reads_again()
    {
        var store = new BasketStore(await AppOnAzurite.Tables());
        var opened = await store.Open(AppOnAzurite.Unique("account"), T0, CancellationToken.None);
        var (basket, etag) = await store.Get(opened.BasketId, CancellationToken.None);
        var ordered = Pending(basket!, 1_000_000);
        var orderedMore = Pending(basket!, 2_000_000);

        var wins = await Task.WhenAll(store.TryReplace(ordered, etag, CancellationToken.None), store.TryReplace(orderedMore, etag, CancellationToken.None));

        Assert.Single(wins, won => won);
        var winner = wins[0] ? ordered : orderedMore;
        var (stored, current) = await store.Get(opened.BasketId, CancellationToken.None);
        Assert.Equal(winner, stored);
        Assert.NotEqual(etag, current);
        Assert.False(await store.TryReplace(wins[0] ? orderedMore : ordered, etag, CancellationToken.None));
        Assert.Equal(winner, (await store.Get(opened.BasketId, CancellationToken.None)).Basket);
        Assert.True(await store.TryReplace(winner with { Status = OrderStatus.Paid, DecidedAt = T0 + 1 }, current, CancellationToken.None));
    }

    [Fact]
    public async Task A_write_without_a_real_etag_is_refused_rather_than_made_unconditional()
    {
        var store = new BasketStore(await AppOnAzurite.Tables());
        var opened = await store.Open(AppOnAzurite.Unique("account"), T0, CancellationToken.None);

        await Assert.ThrowsAsync<ArgumentException>(() => store.TryReplace(Pending(opened, 1_000_000), ETag.All, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => store.TryReplace(Pending(opened, 1_000_000), default, CancellationToken.None));
        Assert.Equal(opened, (await store.Get(opened.BasketId, CancellationToken.None)).Basket);
    }

    [Fact]
    public async Task Racing_opens_for_one_account_hand_out_one_basket_and_a_paid_basket_is_followed_by_a_new_one()
    {
        var store = new BasketStore(await AppOnAzurite.Tables());
        var account = AppOnAzurite.Unique("account");

        var opened = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => store.Open(account, T0, CancellationToken.None)));
        var first = Assert.Single(opened.Select(b => b.BasketId).Distinct());
        Assert.Equal([first], await BasketIdsOf(account)); // the losers' baskets were never handed out and are gone
        Assert.Equal(account, (await store.Get(first, CancellationToken.None)).Basket!.AccountId);
        Assert.Equal(first, (await store.Open(account, T0 + 1, CancellationToken.None)).BasketId);

        var (basket, etag) = await store.Get(first, CancellationToken.None);
        Assert.True(await store.TryReplace(Pending(basket!, 1_000_000) with { Status = OrderStatus.Paid, DecidedAt = T0 + 2 }, etag, CancellationToken.None));
        var next = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => store.Open(account, T0 + 3, CancellationToken.None)));
        var second = Assert.Single(next.Select(b => b.BasketId).Distinct());
        Assert.NotEqual(first, second);
        Assert.Equal(new[] { first, second }.Order(StringComparer.Ordinal), await BasketIdsOf(account));
        Assert.Equal(OrderStatus.Paid, (await store.Get(first, CancellationToken.None)).Basket!.Status);
    }

    [Fact]
    public async Task Basket_rows_keep_the_stored_property_UserId_for_the_account_so_rows_written_before_still_read()
    {
        var tables = await AppOnAzurite.Tables();
        var store = new BasketStore(tables);
        var baskets = await tables.Baskets;
        var account = AppOnAzurite.Unique("account");

        // A row as an app from before the rename wrote it.
        var before = AppOnAzurite.Unique("b");
        await baskets.AddEntityAsync(new TableEntity(before, BasketRow.Row)
        {
            ["UserId"] = account, ["OpenedAt"] = T0, ["Status"] = nameof(OrderStatus.Pending), ["Attempt"] = 1, ["Amount"] = 2_000_000L,
        });
        var (read, etag) = await store.Get(before, CancellationToken.None);
        Assert.Equal(new Basket(before, account, T0, OrderStatus.Pending, 1, new Money(2_000_000), null, null), read);

        // Written now: still under UserId, and the row read back is the basket written.
        var paid = read! with { Status = OrderStatus.Paid, DecidedAt = T0 + 1 };
        Assert.True(await store.TryReplace(paid, etag, CancellationToken.None));
        var raw = (await baskets.GetEntityAsync<TableEntity>(before, BasketRow.Row)).Value;
        Assert.Equal(account, raw.GetString("UserId"));
        Assert.False(raw.ContainsKey("AccountId"));
        Assert.Equal(paid, (await store.Get(before, CancellationToken.None)).Basket);
    }

    private static async Task<List<string>> BasketIdsOf(string account)
    {
        var ids = new List<string>();
        var baskets = await (await AppOnAzurite.Tables()).Baskets;
        await foreach (var row in baskets.QueryAsync<BasketRow>(TableClient.CreateQueryFilter($"UserId eq {account} and RowKey eq {BasketRow.Row}")))
            ids.Add(row.PartitionKey);
        return ids.Order(StringComparer.Ordinal).ToList();
    }

    private static Basket Pending(Basket basket, long units) =>
        basket with { Status = OrderStatus.Pending, Attempt = basket.Attempt + 1, Amount = new Money(units) };
}
