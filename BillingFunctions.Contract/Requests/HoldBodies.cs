using System.Text.Json.Serialization;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Contract.Requests;

/// <summary><c>POST /accounts/{accountId}/holds</c>.</summary>
public sealed record HoldBody
{
    public required string HoldId { get; init; }

    [JsonConverter(typeof(MoneyJsonConverter))]
    public required Money Amount { get; init; }

    /// <summary>The host's default hold expiry when absent.</summary>
    public int? ExpiresInSeconds { get; init; }

    /// <summary><c>hold:{holdId}</c> when absent.</summary>
    public string? OperationId { get; init; }
}

/// <summary><c>POST /accounts/{accountId}/holds/{holdId}/capture</c>; the body may be left out.</summary>
public sealed record CaptureBody
{
    /// <summary>All of the hold when absent; the rest is released.</summary>
    [JsonConverter(typeof(MoneyJsonConverter))]
    public Money? Amount { get; init; }

    /// <summary><c>hold:{holdId}:capture</c> when absent.</summary>
    public string? OperationId { get; init; }
}

/// <summary><c>POST /accounts/{accountId}/holds/{holdId}/release</c>; the body may be left out.</summary>
public sealed record ReleaseBody
{
    /// <summary><c>hold:{holdId}:release</c> when absent.</summary>
    public string? OperationId { get; init; }
}
