using Azure;
using Azure.Data.Tables;
using BillingFunctions.Core.Orders;
using BillingFunctions.Tables;

namespace BillingFunctions.Orders;

/// <summary>Baskets in Table Storage; every change is an ETag compare-and-set, so concurrent writers cannot overwrite each other.</summary>
public sealed class BasketStore(BillingTables tables)
{
    private const int PreconditionFailed = 412;
    private const int Conflict = 409;

    public async Task<(Basket? Basket, ETag ETag)> Get(string basketId, CancellationToken cancellation)
    {
        var row = await (await tables.Baskets).GetEntityIfExistsAsync<BasketRow>(basketId, BasketRow.Row, cancellationToken: cancellation);
        return row.HasValue ? (row.Value!.ToBasket(), row.Value.ETag) : (null, default);
    }

    /// <summary>Writes the basket if nobody changed it since <paramref name="etag"/> was read; false if somebody did.</summary>
    public async Task<bool> TryReplace(Basket basket, ETag etag, CancellationToken cancellation)
    {
        // "*" (or no ETag) would turn the compare-and-set into an overwrite of whatever another writer stored.
        if (etag == default || etag == ETag.All)
            throw new ArgumentException("A basket is replaced only against the ETag it was read with.", nameof(etag));
        try
        {
            await (await tables.Baskets).UpdateEntityAsync(BasketRow.From(basket), etag, TableUpdateMode.Replace, cancellation);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == PreconditionFailed)
        {
            return false;
        }
    }

    /// <summary>The account's open basket, or a new one. Racing callers agree: the pointer row is added once, or replaced with its ETag.</summary>
    public async Task<Basket> Open(string accountId, long now, CancellationToken cancellation)
    {
        var table = await tables.Baskets;
        while (true)
        {
            var pointer = await table.GetEntityIfExistsAsync<OpenBasketRow>(OpenBasketRow.Partition(accountId), OpenBasketRow.Row, cancellationToken: cancellation);
            var open = pointer.HasValue ? (await Get(pointer.Value!.BasketId, cancellation)).Basket : null;
            var basket = OrderDecider.OpenBasket(open, accountId, "b-" + Guid.CreateVersion7().ToString("N"), now);
            if (ReferenceEquals(basket, open))
                return basket;
            await table.AddEntityAsync(BasketRow.From(basket), cancellation);
            var row = new OpenBasketRow { PartitionKey = OpenBasketRow.Partition(accountId), BasketId = basket.BasketId };
            try
            {
                if (pointer.HasValue)
                    await table.UpdateEntityAsync(row, pointer.Value!.ETag, TableUpdateMode.Replace, cancellation);
                else
                    await table.AddEntityAsync(row, cancellation);
                return basket;
            }
            catch (RequestFailedException e) when (e.Status is PreconditionFailed or Conflict)
            {
                // Another request opened the account's basket first. Ours was never handed out, so nobody else knows its id:
                // remove it, then read again and hand out that one.
                await table.DeleteEntityAsync(basket.BasketId, BasketRow.Row, ETag.All, cancellation);
            }
        }
    }
}
