using System.Text.Json.Serialization;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Contract.Requests;

/// <summary><c>PUT /accounts/{accountId}</c>. Every field is optional, and so is the body.</summary>
public sealed record OpenAccountBody
{
    /// <summary>Three upper-case letters; the host's default currency when absent.</summary>
    public string? Currency { get; init; }

    /// <summary>Where this account's cut-off is called; the host's default when absent.</summary>
    public string? CutoffUrl { get; init; }

    /// <summary>How long before depletion <c>account.low_balance</c> is recorded; no warning when absent.</summary>
    public int? LowBalanceWarningSeconds { get; init; }
}

/// <summary><c>POST /accounts/{accountId}/credits</c> and <c>/debits</c>.</summary>
public sealed record CreditOrDebitBody
{
    [JsonConverter(typeof(MoneyJsonConverter))]
    public required Money Amount { get; init; }

    /// <summary>The caller's id for replays (or the Idempotency-Key header).</summary>
    public string? OperationId { get; init; }
}

/// <summary><c>PUT /accounts/{accountId}/rate</c>.</summary>
public sealed record RateBody
{
    [JsonConverter(typeof(RateJsonConverter))]
    public required Rate RatePerSecond { get; init; }

    public string? OperationId { get; init; }
}
