using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Durable;

/// <summary>
/// Transfers on the real Durable runtime: the <c>Transfer</c> orchestration locks both account entities (a critical
/// section), reads both, decides, and applies both legs. Opposite transfers running at the same time neither deadlock
/// nor create or destroy money.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class TransferTests(DurableFixture fixture) : IClassFixture<DurableFixture>
{
    private DurableRuntime Runtime => fixture.Runtime;

    [Fact]
    public async Task Concurrent_opposite_transfers_conserve_money()
    {
        var (a, b) = (BillingCalls.NewAccountId("a"), BillingCalls.NewAccountId("b"));
        foreach (var id in new[] { a, b })
        {
            Assert.Equal(201, (await Runtime.Open(id)).Status);
            Assert.Equal(200, (await Runtime.Credit(id, "10")).Status);
        }

        // 8 × 3 from a to b and 8 × 2 from b to a, all at once: some may be refused for funds, none may half-happen.
        var transfers = Enumerable.Range(0, 8).SelectMany(i => new[] { (From: a, To: b, Amount: 3, Id: $"ab-{i}"), (From: b, To: a, Amount: 2, Id: $"ba-{i}") }).ToList();
        var answers = await Task.WhenAll(transfers.Select(t => Runtime.Transfer(t.From, t.To, t.Amount.ToString(), t.Id)));
        Assert.All(answers, answer => Assert.True(answer.Status is 200 or 409, answer.ToString()));

        var moved = transfers.Where((_, i) => answers[i].Status == 200).Sum(t => t.From == a ? -t.Amount : t.Amount);
        var balanceA = decimal.Parse((await Runtime.Account(a)).Json.Str("balance"), System.Globalization.CultureInfo.InvariantCulture);
        var balanceB = decimal.Parse((await Runtime.Account(b)).Json.Str("balance"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(20m, balanceA + balanceB);
        Assert.Equal((10m + moved, 10m - moved), (balanceA, balanceB));

        // A transfer id replays its first answer and moves nothing again.
        var firstApplied = transfers.Select((t, i) => (t, i)).First(x => answers[x.i].Status == 200);
        var replay = await Runtime.Transfer(firstApplied.t.From, firstApplied.t.To, firstApplied.t.Amount.ToString(), firstApplied.t.Id);
        Assert.Equal((200, answers[firstApplied.i].Body, "true"), (replay.Status, replay.Body, replay.Headers["Idempotent-Replayed"].ToString()));
        Assert.Equal(balanceA.ToString(System.Globalization.CultureInfo.InvariantCulture), (await Runtime.Account(a)).Json.Str("balance"));

        // Neither entity is left locked. The orchestration's answer can arrive before the entities have processed the
        // release messages it sent on completion, so the lock is checked until it is gone, not at one instant.
        foreach (var id in new[] { a, b })
            Assert.Null(await Poll.UntilValue(
                async () => (await Runtime.Client.Entities.GetEntityAsync(BillingFunctions.Accounts.AccountEntity.Id(id), includeState: false))!.LockedBy,
                lockedBy => lockedBy is null));
    }

    [Fact]
    public async Task A_transfer_beyond_the_balance_moves_nothing()
    {
        var (a, b) = (BillingCalls.NewAccountId("poor"), BillingCalls.NewAccountId("rich"));
        Assert.Equal(201, (await Runtime.Open(a)).Status);
        Assert.Equal(201, (await Runtime.Open(b)).Status);
        Assert.Equal(200, (await Runtime.Credit(a, "1")).Status);

        var refused = await Runtime.Transfer(a, b, "2", "too-much");
        Assert.Equal(409, refused.Status);
        Assert.EndsWith("insufficient-funds", refused.ProblemType);
        Assert.Equal(("1", "0"), ((await Runtime.Account(a)).Json.Str("balance"), (await Runtime.Account(b)).Json.Str("balance")));
    }
}
