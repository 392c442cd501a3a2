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
    public async Task A_request_that_fails_while_being_decided_changes_nothing_and_can_be_retried()
    {
        var data = TempDirectory.Create();
        using var store = new SqliteStore(data);
        await using var engine = new BillingEngine(store, TimeProvider.System, NullLogger<BillingEngine>.Instance, () => null);
        engine.Start();
        Assert.IsType<Written>(await engine.Execute(AccountWrite.Open("acct", "USD")));

        // A write that cannot be turned into a command (a credit without its amount) throws inside the writer.
        var credit = AccountWrite.Move(WriteKind.Credit, "acct", 5_000_000, "op-1");
        await Assert.ThrowsAsync<InvalidOperationException>(() => engine.Execute(credit with { Amount = null }));

        Assert.True(engine.TryGetAccount("acct", out var state));
        Assert.Equal(Money.Zero, state.Balance);
        Assert.True(await store.CaughtUp()); // SQLite is written behind the commit log
        Assert.Equal([EventTypes.AccountCreated], store.ReadEvents(0, 100).Select(e => e.Event.Type));

        // Nothing was recorded under the operation id either: the same request goes through on retry.
        var retried = Assert.IsType<Written>(await engine.Execute(credit));
        Assert.Equal((200, false), (retried.Status, retried.Replayed));
        Assert.Equal("5", System.Text.Json.JsonDocument.Parse(retried.Body).RootElement.GetProperty("balance").GetString());
        Assert.True(await store.CaughtUp());
        Assert.Equal(2, store.ReadEvents(0, 100).Count);
    }
}
