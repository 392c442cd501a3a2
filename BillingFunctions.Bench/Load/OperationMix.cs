namespace BillingFunctions.Bench.Load;

internal enum Move { Credit, Debit, Transfer, Read }

/// <summary>One operation to issue: what, on which account, and (for a transfer) to which other account.</summary>
internal readonly record struct Pick(Move Move, int Account, int Counterparty);

/// <summary>
/// The operation mix of the throughput scenarios, the same in-process and over HTTP: of the writes, 40 %
/// credits, 40 % debits, 20 % transfers; reads make up <c>readPercent</c> of everything; accounts are uniform.
/// Amounts are tiny against the opening balance, so no write is refused for lack of funds.
/// </summary>
internal sealed class OperationMix(int accounts, int readPercent)
{
    public const string Amount = "0.01";
    public const long AmountUnits = 10_000;
    public const string OpeningBalance = "1000000";

    /// <summary>A rate that keeps every account active but makes each write settle consumption (0.000001 per second).</summary>
    public const string Rate = "0.000001";

    public Pick Next(Random random)
    {
        var account = random.Next(accounts);
        if (random.Next(100) < readPercent)
            return new Pick(Move.Read, account, account);
        var roll = random.Next(100);
        if (roll < 40)
            return new Pick(Move.Credit, account, account);
        if (roll < 80)
            return new Pick(Move.Debit, account, account);
        var other = accounts == 1 ? account : (account + 1 + random.Next(accounts - 1)) % accounts;
        return new Pick(Move.Transfer, account, other);
    }

    public static string AccountId(int index) => $"bench-{index:D7}";
}
