namespace BillingFunctions.Tests.Fuzzing;

/// <summary>What a body or query field holds, so the fuzzer knows what a valid value looks like and what to break.</summary>
public enum FieldKind { Id, Amount, Rate, Seconds, Currency, Url, Sequence, Limit }

/// <summary>One route of the HTTP contract: method, path template (<c>{accountId}</c>, <c>{holdId}</c>, ...) and its fields.</summary>
public sealed record FuzzRoute(string Method, string Template, params (string Name, FieldKind Kind)[] Fields)
{
    public bool HasBody => Method is "POST" or "PUT";
}

/// <summary>
/// Every route the server has, as the fuzzer sees it (docs/http-api.md). A new route is one line here;
/// <see cref="HostileRequests"/> derives everything else from it. Read routes list their query fields.
/// </summary>
public static class FuzzRoutes
{
    public static readonly FuzzRoute[] All =
    [
        new("PUT", "/api/accounts/{accountId}", ("currency", FieldKind.Currency), ("cutoffUrl", FieldKind.Url), ("lowBalanceWarningSeconds", FieldKind.Seconds)),
        new("GET", "/api/accounts/{accountId}"),
        new("POST", "/api/accounts/{accountId}/credits", ("amount", FieldKind.Amount), ("operationId", FieldKind.Id)),
        new("POST", "/api/accounts/{accountId}/debits", ("amount", FieldKind.Amount), ("operationId", FieldKind.Id)),
        new("PUT", "/api/accounts/{accountId}/rate", ("ratePerSecond", FieldKind.Rate), ("operationId", FieldKind.Id)),
        new("GET", "/api/accounts/{accountId}/ledger", ("after", FieldKind.Sequence), ("limit", FieldKind.Limit)),
        new("POST", "/api/accounts/{accountId}/holds", ("holdId", FieldKind.Id), ("amount", FieldKind.Amount), ("expiresInSeconds", FieldKind.Seconds), ("operationId", FieldKind.Id)),
        new("GET", "/api/accounts/{accountId}/holds"),
        new("POST", "/api/accounts/{accountId}/holds/{holdId}/capture", ("amount", FieldKind.Amount), ("operationId", FieldKind.Id)),
        new("POST", "/api/accounts/{accountId}/holds/{holdId}/release", ("operationId", FieldKind.Id)),
        new("POST", "/api/transfers", ("from", FieldKind.Id), ("to", FieldKind.Id), ("amount", FieldKind.Amount), ("transferId", FieldKind.Id)),
        new("GET", "/api/events", ("after", FieldKind.Sequence), ("limit", FieldKind.Limit)),
        new("GET", "/api/cutoff-deliveries", ("accountId", FieldKind.Id)),
        new("GET", "/api/health"),
        new("POST", "/api/baskets", ("userId", FieldKind.Id)),
        new("POST", "/api/orders", ("userId", FieldKind.Id), ("basketId", FieldKind.Id), ("amount", FieldKind.Amount)),
        new("GET", "/api/orders/{basketId}"),
        new("GET", "/api/notifications", ("userId", FieldKind.Id), ("limit", FieldKind.Limit), ("before", FieldKind.Sequence)),
        new("GET", "/api/queues"),
        new("GET", "/api/queues/{queue}/dead-letters", ("limit", FieldKind.Limit)),
        new("POST", "/api/queues/{queue}/dead-letters/{sequence}/resubmit"),
    ];
}
