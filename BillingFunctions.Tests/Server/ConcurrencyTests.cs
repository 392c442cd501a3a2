using System.Collections.Concurrent;
using System.Net;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>Many clients hammering a few shared accounts: no lost update, no negative balance, money conserved.</summary>
public sealed class ConcurrencyTests
{
    [Fact]
    public async Task Forty_clients_debiting_and_transferring_on_shared_accounts_conserve_money()
    {
        await using var server = await RunningServer.StartAsync();
        var accounts = Enumerable.Range(0, 6).Select(i => $"shared-{i}").ToArray();
        foreach (var id in accounts)
        {
            (await server.Client.OpenAccount(id)).EnsureSuccessStatusCode();
            (await server.Client.Credit(id, "100")).EnsureSuccessStatusCode();
        }
        // One account also drains continuously, so consumption is part of the books.
        (await server.Client.SetRate(accounts[0], "0.5")).EnsureSuccessStatusCode();

        var debited = new ConcurrentBag<decimal>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(client => Task.Run(async () =>
        {
            var random = new Random(client);
            for (var i = 0; i < 60; i++)
            {
                var amount = (random.Next(1, 900) / 100m).ToString(System.Globalization.CultureInfo.InvariantCulture);
                var from = accounts[random.Next(accounts.Length)];
                var to = accounts[random.Next(accounts.Length)];
                HttpResponseMessage response = random.Next(2) == 0 || from == to
                    ? await server.Client.Debit(from, amount, $"debit-{client}-{i}")
                    : await server.Client.Transfer(from, to, amount, $"transfer-{client}-{i}");
                statuses.Add(response.StatusCode);
                if (response.IsSuccessStatusCode && response.RequestMessage!.RequestUri!.AbsolutePath.EndsWith("/debits"))
                    debited.Add(decimal.Parse(amount, System.Globalization.CultureInfo.InvariantCulture));
            }
        })));

        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict, $"unexpected {s}"));
        Assert.Contains(HttpStatusCode.Conflict, statuses); // the test really drove accounts to their limits

        decimal consumed = 0, total = 0;
        foreach (var id in accounts)
        {
            var ledger = await server.Client.Ledger(id);
            Assert.All(ledger, e => Assert.True(e.Dec("balanceAfter") >= 0 && e.Dec("balanceAfter") >= e.Dec("held")));
            for (var i = 1; i < ledger.Count; i++) // each entry starts where the previous one ended, less consumption
                Assert.Equal(ledger[i - 1].Dec("balanceAfter") - ledger[i].Dec("consumed"), ledger[i].Dec("balanceBefore"));
            Assert.Equal(ledger.Sum(e => e.Dec("delta")) - ledger.Sum(e => e.Dec("consumed")), ledger[^1].Dec("balanceAfter"));
            consumed += ledger.Sum(e => e.Dec("consumed"));
            total += ledger[^1].Dec("balanceAfter");
        }
        Assert.Equal(600m - debited.Sum() - consumed, total);
    }
}
