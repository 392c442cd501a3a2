using Azure;
using BillingFunctions.Core.Orders;

namespace BillingFunctions.Tables;

public sealed partial class BillingTables
{
    private const int EntityAlreadyExists = 409;

    /// <summary>
    /// Records a payment result for its account once per result id: the first delivery adds the row; a redelivery finds
    /// it and changes nothing, not even its timestamp. False when the result was already recorded.
    /// </summary>
    public async Task<bool> RecordNotification(PaymentResult result, long recordedAt, CancellationToken cancellation = default)
    {
        try
        {
            await (await Notifications).AddEntityAsync(NotificationRow.From(result, recordedAt), cancellation);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == EntityAlreadyExists)
        {
            return false;
        }
    }
}
