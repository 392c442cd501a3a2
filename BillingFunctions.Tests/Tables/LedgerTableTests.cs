using System.Net;
using BillingFunctions.Core.Identity;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.Configuration;
using BillingFunctions;
using BillingFunctions.Accounts;
using BillingFunctions.Tables;

namespace BillingFunctions.Tests.Tables;

/// <summary>
/// The ledger table against Azurite: events come from the account entity's own operations (<see cref="AccountBook"/>),
/// are written by the <c>WriteLedger</c> activity, and are read back in pages the way <c>GET /accounts/{id}/ledger</c>
/// reads them, following <c>next</c>.
/// </summary>
public sealed class LedgerTableTests
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public async Task Pages_of_any_size_give_back_every_event_once_and_in_order()
    {
        var settings = await AppOnAzurite.Settings();
        var tables = new BillingTables(settings);
        var recording = AppOnAzurite.Recording(settings, tables);
        var account = AppOnAzurite.Unique("acc");
        var operations = Operations(account, credits: 240);
        var written = operations.SelectMany(b => b.Events).ToList();
        Assert.Equal(Enumerable.Range(1, 241).Select(s => (long)s), written.Select(e => e.Sequence));

        foreach (var batch in operations)
            await recording.WriteLedger(batch);

        foreach (var limit in new[] { 1, 7, 100, 241, 1000 })
            Assert.Equal(written, await ReadAll(tables, account, limit));
        Assert.Equal(written.Skip(100).Take(10), await tables.ReadLedger(account, after: 100, limit: 10));
        Assert.Empty(await tables.ReadLedger(account, after: 241, limit: 10));
        Assert.Empty(await tables.ReadLedger(account, after: long.MaxValue, limit: 1000));

        // A retried activity writes its rows again: nothing changes.
        await recording.WriteLedger(operations[17]);
        Assert.Equal(written, await ReadAll(tables, account, 100));
    }

    [Fact]
    public async Task Every_event_type_reads_back_from_the_table_as_it_was_written()
    {
        var settings = await AppOnAzurite.Settings();
        var tables = new BillingTables(settings);
        var account = AppOnAzurite.Unique("acc");
        var events = EventSamples.OneOfEach(account).Select((e, i) => new StoredEvent(i + 1, $"{account}:{i + 1}", e)).ToList();

        await AppOnAzurite.Recording(settings, tables).WriteLedger(new EventBatch(account, events, []));

        Assert.Equal(events, await ReadAll(tables, account, 100));
    }

    [Fact]
    public async Task One_batch_of_more_events_than_a_table_transaction_holds_is_written_whole()
    {
        var settings = await AppOnAzurite.Settings();
        var tables = new BillingTables(settings);
        var account = AppOnAzurite.Unique("acc");
        var events = Operations(account, credits: 250).SelectMany(b => b.Events).ToList();

        await AppOnAzurite.Recording(settings, tables).WriteLedger(new EventBatch(account, events, []));

        Assert.Equal(events, await ReadAll(tables, account, 1000));
    }

    [Fact]
    public async Task A_page_stops_before_an_operation_not_written_yet_so_a_reader_following_next_never_skips_it()
    {
        var settings = await AppOnAzurite.Settings();
        var tables = new BillingTables(settings);
        var recording = AppOnAzurite.Recording(settings, tables);
        var account = AppOnAzurite.Unique("acc");
        var operations = Operations(account, credits: 9); // sequences 1..10, one per operation
        var late = operations[4];                          // sequence 5: its activity has not run yet

        foreach (var batch in operations.Where(b => b != late))
            await recording.WriteLedger(batch);
        // The second page would hold 4, 5, 6: it ends at 4, where the first row not written yet is.
        var reader = new List<StoredEvent>(await ReadAll(tables, account, limit: 3));
        Assert.Equal([1L, 2, 3, 4], reader.Select(e => e.Sequence));

        await recording.WriteLedger(late);
        reader.AddRange(await ReadAll(tables, account, limit: 3, after: reader[^1].Sequence));
        Assert.Equal(operations.SelectMany(b => b.Events), reader);
    }

    [Fact]
    public async Task A_table_that_could_not_be_opened_is_opened_again_on_the_next_use()
    {
        var azurite = await Azurite.Instance;
        var tableService = new Uri(azurite.TableEndpoint);
        var port = TcpForwarder.FreePort();
        // Azurite's table service behind a port nothing listens on yet: the storage account is unreachable.
        var connection = $"DefaultEndpointsProtocol=http;AccountName={Azurite.AccountName};AccountKey={Azurite.AccountKey};" +
                         $"TableEndpoint=http://127.0.0.1:{port}/{Azurite.AccountName};";
        var tables = new BillingTables(BillingSettings.From(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connection }).Build()));
        var account = AppOnAzurite.Unique("acc");
        var events = Operations(account, credits: 2).SelectMany(b => b.Events).ToList();

        await Assert.ThrowsAnyAsync<Exception>(() => tables.AppendLedger(events));

        await using var reachable = TcpForwarder.Start(port, new IPEndPoint(IPAddress.Loopback, tableService.Port));
        await tables.AppendLedger(events);
        Assert.Equal(events, await tables.ReadLedger(account, 0, 10));
    }

    /// <summary>The account entity's own operations: open, then credits; one event batch per operation.</summary>
    private static List<EventBatch> Operations(string account, int credits)
    {
        var record = new AccountRecord();
        var batches = new List<EventBatch>();
        void Do(AccountWrite write, long now) =>
            batches.AddRange(AccountBook.Write(record, write, now, IdempotencyRetention.Default).Dispatches.OfType<RecordEvents>().Select(d => d.Batch));
        Do(new AccountWrite(WriteKind.Open, account, "open", false, "open", Currency: "USD"), T0);
        for (var i = 1; i <= credits; i++)
            Do(new AccountWrite(WriteKind.Credit, account, $"credit-{i}", true, $"credit:{i}", Amount: i * 10_000L), T0 + i);
        return batches;
    }

    /// <summary>Pages from <paramref name="after"/> until one comes back short, as a client follows <c>next</c>.</summary>
    private static async Task<List<StoredEvent>> ReadAll(BillingTables tables, string account, int limit, long after = 0)
    {
        var events = new List<StoredEvent>();
        while (true)
        {
            var page = await tables.ReadLedger(account, after, limit);
            events.AddRange(page);
            if (page.Count < limit)
                return events;
            after = page[^1].Sequence;
        }
    }
}
