using System.Text.Json.Serialization;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Contract.Requests;

/// <summary><c>POST /transfers</c>: both accounts, the amount, and the transfer id (or the Idempotency-Key header).</summary>
public sealed record TransferBody
{
    public required string From { get; init; }

    public required string To { get; init; }

    [JsonConverter(typeof(MoneyJsonConverter))]
    public required Money Amount { get; init; }

    /// <summary>Required, here or as the Idempotency-Key header: a transfer is never applied without replay protection.</summary>
    public string? TransferId { get; init; }
}
