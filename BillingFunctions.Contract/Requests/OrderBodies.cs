using System.Text.Json.Serialization;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Contract.Requests;

/// <summary><c>POST /baskets</c>: the account whose open basket is wanted.</summary>
public sealed record BasketBody
{
    /// <summary>The account id. The platform's order API calls it <c>userId</c>, so that is its name on the wire.</summary>
    [JsonPropertyName("userId")]
    public required string AccountId { get; init; }
}

/// <summary><c>POST /orders</c>: pay for a basket.</summary>
public sealed record OrderBody
{
    /// <summary>The account id. The platform's order API calls it <c>userId</c>, so that is its name on the wire.</summary>
    [JsonPropertyName("userId")]
    public required string AccountId { get; init; }

    public required string BasketId { get; init; }

    [JsonConverter(typeof(MoneyJsonConverter))]
    public required Money Amount { get; init; }
}
