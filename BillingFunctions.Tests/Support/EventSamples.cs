using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Tests.Support;

/// <summary>One event of every type, each with its own values in every field, for the codec round trips.</summary>
public static class EventSamples
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    public static IReadOnlyList<AccountEvent> OneOfEach(string accountId = "acc-1")
    {
        var n = 0;
        LedgerEntry Entry(string? operationId = null)
        {
            n++;
            return new LedgerEntry(accountId, T0 + n, operationId, 100 * n, -10 * n, n, 1_000 * n, 1_000 * n - 10 * n, 50 * n, n % 3);
        }
        return
        [
            new AccountCreated(Entry()),
            new AccountCredited(Entry("op-credit")),
            new AccountDebited(Entry("op-debit")),
            new RateChanged(Entry("op-rate"), 1_500_000),
            new TransferCompleted(Entry("t-1"), "acc-2"),
            new HoldPlaced(Entry("op-hold"), "h1", T0 + TimeSpan.TicksPerHour),
            new HoldPlaced(Entry("op-hold-2"), "h2", null),
            new HoldCaptured(Entry("op-capture"), "h1"),
            new HoldReleased(Entry("op-release"), "h2"),
            new HoldExpired(Entry("hold:h3:expiry"), "h3"),
            new AccountDepleted(Entry()),
            new AccountRestored(Entry()),
            new LowBalanceWarning(Entry()),
            new OrderPaid(Entry("b-1")),
            new OrderRejected(Entry("b-2")),
        ];
    }
}
