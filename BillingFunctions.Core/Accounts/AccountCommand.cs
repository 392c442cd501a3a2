using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Accounts;

/// <summary>Something asked of one account. Each command's <c>OperationId</c> names the request for idempotency and events.</summary>
public abstract record AccountCommand;

public sealed record Credit(string OperationId, Money Amount) : AccountCommand;

public sealed record Debit(string OperationId, Money Amount) : AccountCommand;

public sealed record SetRate(string OperationId, Rate Rate) : AccountCommand;

public sealed record PlaceHold(string OperationId, string HoldId, Money Amount, long? ExpiresAt) : AccountCommand;

/// <summary>Capture all of a hold (Amount null) or part of it; the rest is released.</summary>
public sealed record CaptureHold(string OperationId, string HoldId, Money? Amount) : AccountCommand;

public sealed record ReleaseHold(string OperationId, string HoldId) : AccountCommand;

/// <summary>The sending side of a transfer; only ever decided together with <see cref="TransferIn"/>.</summary>
public sealed record TransferOut(string OperationId, string To, Money Amount) : AccountCommand;

public sealed record TransferIn(string OperationId, string From, Money Amount) : AccountCommand;

/// <summary>Pays an order from the account: a debit whose operation id is the basket id, so a basket is paid at most once.</summary>
public sealed record PayOrder(string BasketId, Money Amount) : AccountCommand;

/// <summary>Records that an order could not be paid (insufficient funds): an event, no money moves.</summary>
public sealed record RejectOrder(string BasketId, Money Amount) : AccountCommand;

/// <summary>A timer fired: bring the account up to now (depletion, low-balance warning, hold expiry). Stale wakes do nothing.</summary>
public sealed record Wake : AccountCommand;
