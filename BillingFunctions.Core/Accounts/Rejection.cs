namespace BillingFunctions.Core.Accounts;

/// <summary>Kinds of expected business failure; each maps to one problem type and status in the hosts.</summary>
public enum RejectionKind
{
    Validation,
    NotFound,
    InsufficientFunds,
    CurrencyMismatch,
    HoldState,
    AccountExists,
    IdempotencyConflict,
    BasketPaid,
    OrderPending,
}

/// <summary>An expected failure, returned as a value; nothing about the account changed because of the command.</summary>
public sealed record Rejection(RejectionKind Kind, string Detail);
