using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Contract;

/// <summary>The answer to a write: a committed (or replayed) response, or a business rejection that changed nothing.</summary>
public abstract record WriteResult;

/// <summary>A response body already rendered, stored with the operation id so a retry gets the very same bytes.</summary>
public sealed record Written(int Status, string Body, bool Replayed) : WriteResult;

public sealed record Refused(Rejection Rejection) : WriteResult;

/// <summary>How an API call renders the state its write produced; runs on the writer so the stored replay matches.</summary>
public readonly record struct Rendered(int Status, string Body);
