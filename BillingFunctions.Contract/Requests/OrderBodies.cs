using System.Text.Json.Serialization;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Contract.Requests;

/// <summary><c>POST /baskets</c>: the user whose open basket is wanted.</summary>
public sealed record BasketBody
{
    public required string UserId { get; init; }
}

/// <summary><c>POST /orders</c>: pay for a basket.</summary>
public sealed record OrderBody
{
    public required string UserId { get; init; }

    public required string BasketId { get; init; }

    [JsonConverter(typeof(MoneyJsonConverter))]
    public required Money Amount { get; init; }
}
