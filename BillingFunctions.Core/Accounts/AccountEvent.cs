using System.Text;

namespace BillingFunctions.Core.Accounts;

/// <summary>
/// What every ledger entry records, whatever its type. <c>Consumed</c> is the consumption settled since the account's
/// previous event, so entries reconcile: previous BalanceAfter - Consumed = BalanceBefore. Amounts are micro-units;
/// <c>Amount</c> is the magnitude and <c>Delta</c> the signed change it made to the balance. <c>Episode</c> counts the
/// account's depletions so far.
/// </summary>
public sealed record LedgerEntry(
    string AccountId,
    long At,
    string? OperationId,
    long Amount,
    long Delta,
    long Consumed,
    long BalanceBefore,
    long BalanceAfter,
    long HeldAfter,
    int Episode);

/// <summary>
/// One change to one account, as a ledger entry: one sealed record per event type (below), each fixing its
/// <see cref="Type"/> name and carrying only the fields of its own kind. Ids are minted by the host when it stores the
/// event. <see cref="AccountDecider.Evolve"/> applies one to a state.
/// </summary>
public abstract record AccountEvent(LedgerEntry Entry)
{
    /// <summary>The name of the event's type, the same word in the API, the stores and the docs (<see cref="EventTypes"/>).</summary>
    public abstract string Type { get; }

    public string AccountId => Entry.AccountId;
    public long At => Entry.At;
    public string? OperationId => Entry.OperationId;
    public long Amount => Entry.Amount;
    public long Delta => Entry.Delta;
    public long Consumed => Entry.Consumed;
    public long BalanceBefore => Entry.BalanceBefore;
    public long BalanceAfter => Entry.BalanceAfter;
    public long HeldAfter => Entry.HeldAfter;
    public int Episode => Entry.Episode;

    /// <summary>Prints the type name and the entry once (the shortcuts above would repeat every field).</summary>
    protected virtual bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Type = ").Append(Type).Append(", ").Append(Entry);
        return true;
    }
}

/// <summary>An event about one hold.</summary>
public abstract record HoldEvent(LedgerEntry Entry, string HoldId) : AccountEvent(Entry);

/// <summary>The account was opened (with a zero balance and no rate).</summary>
public sealed record AccountCreated(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.AccountCreated;
}

/// <summary>Money was added.</summary>
public sealed record AccountCredited(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.AccountCredited;
}

/// <summary>Money was taken from the available funds.</summary>
public sealed record AccountDebited(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.AccountDebited;
}

/// <summary>Consumption runs at a new rate from this instant on (pico-units per second).</summary>
public sealed record RateChanged(LedgerEntry Entry, long RatePerSecond) : AccountEvent(Entry)
{
    public override string Type => EventTypes.RateChanged;
}

/// <summary>One side of a transfer: a debit (negative delta) or a credit, with the account on the other side.</summary>
public sealed record TransferCompleted(LedgerEntry Entry, string Counterparty) : AccountEvent(Entry)
{
    public override string Type => EventTypes.TransferCompleted;
}

/// <summary>Funds were reserved (<c>Amount</c>) until captured, released or, at <paramref name="ExpiresAt"/> if it has one, expired.</summary>
public sealed record HoldPlaced(LedgerEntry Entry, string HoldId, long? ExpiresAt) : HoldEvent(Entry, HoldId)
{
    public override string Type => EventTypes.HoldPlaced;
}

/// <summary>A hold was ended by taking <c>Amount</c> of it from the balance; the rest of it is free again.</summary>
public sealed record HoldCaptured(LedgerEntry Entry, string HoldId) : HoldEvent(Entry, HoldId)
{
    public override string Type => EventTypes.HoldCaptured;
}

/// <summary>A hold was ended without taking anything: its <c>Amount</c> is free again.</summary>
public sealed record HoldReleased(LedgerEntry Entry, string HoldId) : HoldEvent(Entry, HoldId)
{
    public override string Type => EventTypes.HoldReleased;
}

/// <summary>A hold reached its expiry instant: its <c>Amount</c> is free again.</summary>
public sealed record HoldExpired(LedgerEntry Entry, string HoldId) : HoldEvent(Entry, HoldId)
{
    public override string Type => EventTypes.HoldExpired;
}

/// <summary>Available funds reached zero: consumption stops, a new episode begins, the cut-off is owed.</summary>
public sealed record AccountDepleted(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.AccountDepleted;
}

/// <summary>A depleted account has funds available again: consumption resumes.</summary>
public sealed record AccountRestored(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.AccountRestored;
}

/// <summary>Available funds will run out within the account's warning time at the current rate.</summary>
public sealed record LowBalanceWarning(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.LowBalance;
}

/// <summary>An order was paid: a debit whose operation id is the basket id.</summary>
public sealed record OrderPaid(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.OrderPaid;
}

/// <summary>An order could not be paid (insufficient funds): <c>Amount</c> is what it asked for; no money moved.</summary>
public sealed record OrderRejected(LedgerEntry Entry) : AccountEvent(Entry)
{
    public override string Type => EventTypes.OrderRejected;
}
