using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Engine;

/// <summary>The writer loop over a real SQLite file: a request that fails part-way leaves nothing behind.</summary>
public sealed class WriterTests
{
    [Fact]
    public async Task A_request_whose_response_cannot_be_rendered_changes_nothing_and_can_be_retried()
    {
        var data = TempDirectory.Create();
        using var store = new SqliteStore(data);
        await using var engine = new BillingEngine(store, TimeProvider.System, NullLogger<BillingEngine>.Instance, () => null);
        engine.Start();
        await engine.Open("acct", "USD", null, null, (_, _) => new Rendered(201, "{}"));

        var failing = engine.Execute("acct", new Credit("op-1", new Money(5_000_000)), "acct|op-1", "credit:5000000",
            (_, _) => throw new InvalidOperationException("renderer bug"));
        await Assert.ThrowsAsync<InvalidOperationException>(() => failing);

        Assert.True(engine.TryGetAccount("acct", out var state));
        Assert.Equal(Money.Zero, state.Balance);
        Assert.Equal([EventTypes.AccountCreated], store.ReadEvents(0, 100).Select(e => e.Event.Type));

        // Nothing was recorded under the operation id either: the same request goes through on retry.
        var retried = await engine.Execute("acct", new Credit("op-1", new Money(5_000_000)), "acct|op-1", "credit:5000000",
            (_, outcome) => new Rendered(200, outcome.State.Balance.ToString()));
        Assert.Equal(new Written(200, "5", false), retried);
        Assert.Equal(2, store.ReadEvents(0, 100).Count);
    }
}
