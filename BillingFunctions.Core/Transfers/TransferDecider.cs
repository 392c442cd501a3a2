using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Core.Transfers;

/// <summary>The two sides of a transfer; the host commits both or neither.</summary>
public sealed record TransferOutcome(Outcome From, Outcome To, Rejection? Rejection);

/// <summary>Decides a transfer as a debit of one account and a credit of the other at the same instant.</summary>
public static class TransferDecider
{
    public static TransferOutcome Decide(AccountState from, AccountState to, string transferId, Money amount, long now)
    {
        if (amount.Units <= 0)
            return Rejected(from, to, new Rejection(RejectionKind.Validation, "Amounts must be greater than zero."));
        if (from.AccountId == to.AccountId)
            return Rejected(from, to, new Rejection(RejectionKind.Validation, "A transfer needs two different accounts."));
        if (from.Currency != to.Currency)
            return Rejected(from, to, new Rejection(RejectionKind.CurrencyMismatch,
                $"'{from.AccountId}' is in {from.Currency} but '{to.AccountId}' is in {to.Currency}."));

        // Each account is decided no earlier than it was last settled; both sides take the later of the two instants.
        now = Math.Max(now, Math.Max(from.SettledAt, to.SettledAt));
        var debit = AccountDecider.Decide(from, new TransferOut(transferId, to.AccountId, amount), now);
        if (debit.Rejection is { } debitRejection)
            return Rejected(from, to, debitRejection);
        var credit = AccountDecider.Decide(to, new TransferIn(transferId, from.AccountId, amount), now);
        if (credit.Rejection is { } creditRejection)
            return Rejected(from, to, creditRejection);
        return new TransferOutcome(debit, credit, null);
    }

    private static TransferOutcome Rejected(AccountState from, AccountState to, Rejection rejection) =>
        new(new Outcome(from, [], [], rejection), new Outcome(to, [], [], rejection), rejection);
}
