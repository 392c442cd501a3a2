using Azure.Data.Tables;
using System.Diagnostics.Metrics;
using BillingFunctions.Contract.Telemetry;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Tests.Support;
using BillingFunctions.Tables;
using Microsoft.Extensions.DependencyInjection;

namespace BillingFunctions.Tests.Durable;

/// <summary>
/// Writes through the app's HTTP functions and its <c>AccountWrite</c> orchestration to the account entity, on the real
/// Durable runtime: the entity runs one operation at a time, so concurrent writes cannot overdraw, an operation id is
/// applied once and replays its first answer, and every applied write reaches the <c>ledger</c> table.
/// </summary>
[Collection(DurableCollection.Name)]
public sealed class AccountWriteTests(DurableFixture fixture) : IClassFixture<DurableFixture>
{
    private DurableRuntime Runtime => fixture.Runtime;

    [Fact]
    public async Task Concurrent_debits_never_overdraw_and_each_operation_id_is_applied_once()
    {
        var id = BillingCalls.NewAccountId("busy");
        Assert.Equal(201, (await Runtime.Open(id)).Status);
        Assert.Equal(200, (await Runtime.Credit(id, "20")).Status);

        var operations = Enumerable.Range(0, 32).Select(i => $"debit-{i}").ToList();
        var first = await Task.WhenAll(operations.Select(op => Runtime.Debit(id, "1", op)));
        Assert.All(first, answer => Assert.Contains(answer.Status, new[] { 200, 409 }));
        var applied = operations.Where((_, i) => first[i].Status == 200).ToList();
        Assert.Equal(20, applied.Count);
        Assert.All(first.Where(a => a.Status == 409), a => Assert.EndsWith("insufficient-funds", a.ProblemType));

        // A read is served from the entity's stored state, which can lag the writes' answers by a moment under load; it
        // must settle at zero (an overdraft or a double debit would never get there).
        var balance = await Poll.UntilValue(async () => (await Runtime.Account(id)).Json.Str("balance"), b => b == "0");
        Assert.Equal("0", balance);

        // The ledger holds one debit per applied operation id, and no balance below zero on the way.
        var debits = await Poll.UntilValue(async () => (await LedgerRows(id)).Where(r => r.Type == "account.debited").ToList(), rows => rows.Count >= 20, 60);
        Assert.Equal(applied.Order(), debits.Select(r => r.OperationId!).Order());
        Assert.All(await LedgerRows(id), row => Assert.True(row.BalanceAfter >= 0, $"{row.Type} left {row.BalanceAfter}"));

        // Replaying every operation id: the applied ones answer as before, marked as replays; nothing is debited again.
        var again = await Task.WhenAll(operations.Select(op => Runtime.Debit(id, "1", op)));
        foreach (var (op, i) in operations.Select((op, i) => (op, i)).Where(x => first[x.i].Status == 200))
        {
            Assert.Equal((200, first[i].Body, "true"), (again[i].Status, again[i].Body, again[i].Headers["Idempotent-Replayed"].ToString()));
        }
        Assert.Equal("0", (await Runtime.Account(id)).Json.Str("balance"));
        Assert.Equal(20, (await LedgerRows(id)).Count(r => r.Type == "account.debited"));
    }

    [Fact]
    public async Task A_replayed_operation_id_returns_the_same_answer_and_a_different_request_with_it_is_refused()
    {
        var id = BillingCalls.NewAccountId("replay");
        using var recorder = new MeterRecorder(Runtime.Services.GetRequiredService<IMeterFactory>());
        Assert.Equal(201, (await Runtime.Open(id)).Status);

        var credited = await Runtime.Credit(id, "5", "top-up-1");
        var replayed = await Runtime.Credit(id, "5", "top-up-1");
        Assert.Equal(200, credited.Status);
        Assert.Equal((200, credited.Body, "true"), (replayed.Status, replayed.Body, replayed.Headers["Idempotent-Replayed"].ToString()));
        Assert.False(credited.Headers.ContainsKey("Idempotent-Replayed"));

        var conflict = await Runtime.Credit(id, "7", "top-up-1");
        Assert.Equal(409, conflict.Status);
        Assert.EndsWith("idempotency-conflict", conflict.ProblemType);
        Assert.Equal("5", (await Runtime.Account(id)).Json.Str("balance"));
        // The entity accepted two writes, the opening and the credit; neither the replay nor the conflict counts.
        Assert.Equal(2, recorder.Of(BillingMetrics.WritesCommitted).Sum(m => m.Value));
    }

    [Fact]
    public async Task Refused_writes_are_problems_and_change_nothing()
    {
        var id = BillingCalls.NewAccountId("refuse");
        var unknown = await Runtime.Credit(id, "1");
        Assert.Equal(404, unknown.Status);
        Assert.Equal("application/problem+json", unknown.Headers.ContentType.ToString().Split(';')[0]);
        Assert.Equal(404, (await Runtime.Account(id)).Status);

        Assert.Equal(201, (await Runtime.Open(id)).Status);
        Assert.Equal(200, (await Runtime.Credit(id, "2")).Status);
        var overdraw = await Runtime.Debit(id, "3");
        Assert.Equal(409, overdraw.Status);
        Assert.EndsWith("insufficient-funds", overdraw.ProblemType);
        var malformed = await Runtime.Debit(id, "-1");
        Assert.Equal(400, malformed.Status);

        Assert.Equal("2", (await Runtime.Account(id)).Json.Str("balance"));
        var record = await Runtime.Record(id);
        Assert.Equal(2, record!.Account!.Version); // created, credited: the refusals recorded nothing
    }

    [Fact]
    public async Task Every_applied_write_appears_in_the_ledger_table_in_order()
    {
        var id = BillingCalls.NewAccountId("ledger");
        Assert.Equal(201, (await Runtime.Open(id)).Status);
        Assert.Equal(200, (await Runtime.Credit(id, "10")).Status);
        Assert.Equal(200, (await Runtime.Debit(id, "4")).Status);

        var rows = await Poll.UntilValue(() => LedgerRows(id), r => r.Count >= 3, 60);
        Assert.Equal(["account.created", "account.credited", "account.debited"], rows.Select(r => r.Type));
        Assert.Equal([LedgerRow.Key(1), LedgerRow.Key(2), LedgerRow.Key(3)], rows.Select(r => r.RowKey));
        Assert.Equal([$"{id}:1", $"{id}:2", $"{id}:3"], rows.Select(r => r.EventId));
        Assert.Equal(6_000_000, rows[^1].BalanceAfter);

        // The ledger route reads the same table.
        var page = (await Runtime.Ledger(id)).Json.GetProperty("items").EnumerateArray().Select(e => e.Str("type"));
        Assert.Equal(rows.Select(r => r.Type), page);
    }

    private async Task<List<LedgerRow>> LedgerRows(string id)
    {
        var ledger = await Runtime.Services.GetRequiredService<BillingTables>().Ledger;
        var rows = new List<LedgerRow>();
        await foreach (var row in ledger.QueryAsync<LedgerRow>(TableClient.CreateQueryFilter($"PartitionKey eq {id}")))
            rows.Add(row);
        return rows;
    }
}
