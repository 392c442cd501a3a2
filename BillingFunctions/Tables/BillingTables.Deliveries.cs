using Azure;
using Azure.Data.Tables;
using BillingFunctions.Accounts;

namespace BillingFunctions.Tables;

public sealed partial class BillingTables
{
    private const int PreconditionFailed = 412;

    /// <summary>The delivery row of a cut-off call as stored, or a new one (no ETag yet) when no attempt was recorded.</summary>
    public async Task<DeliveryRow> ReadDelivery(CutoffCall call, string url, CancellationToken cancellation = default)
    {
        var row = await (await Deliveries).GetEntityIfExistsAsync<DeliveryRow>(call.AccountId, call.EventId, cancellationToken: cancellation);
        return row.HasValue ? row.Value! : DeliveryRow.For(call, url);
    }

    /// <summary>
    /// Records one attempt on the row it read, by compare-and-set: added if it was new, replaced if its ETag still holds.
    /// If another run of the same activity changed the row meanwhile, the attempt is recorded again on the newer row,
    /// except that a delivered row stays delivered: a concurrent attempt's failure must not undo a delivery (and cause
    /// a second call). Returns the row as stored.
    /// </summary>
    public async Task<DeliveryRow> RecordDelivery(DeliveryRow read, DeliveryAttempt attempt, CancellationToken cancellation = default)
    {
        var table = await Deliveries;
        var row = read;
        while (row.Status != nameof(DeliveryStatus.Delivered))
        {
            row.Record(attempt);
            try
            {
                var response = row.ETag == default
                    ? await table.AddEntityAsync(row, cancellation)
                    : await table.UpdateEntityAsync(row, row.ETag, TableUpdateMode.Replace, cancellation);
                row.ETag = response.Headers.ETag ?? default;
                return row;
            }
            catch (RequestFailedException e) when (e.Status is EntityAlreadyExists or PreconditionFailed)
            {
                var current = await table.GetEntityIfExistsAsync<DeliveryRow>(read.PartitionKey, read.RowKey, cancellationToken: cancellation);
                row = current.HasValue ? current.Value! : read.Unstored();
            }
        }
        return row;
    }
}
