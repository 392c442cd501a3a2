using Azure.Data.Tables;

namespace BillingFunctions.Tables;

public sealed partial class BillingTables
{
    // A table transaction holds at most 100 operations, all in one partition.
    private const int MaxTransactionActions = 100;

    /// <summary>
    /// Writes events to their accounts' ledgers, each account's rows in one transaction (per 100), so a reader never
    /// sees part of an operation's events. Idempotent: a row's key is its sequence and an event never changes, so a
    /// retried write puts the same rows again.
    /// </summary>
    public async Task AppendLedger(IEnumerable<StoredEvent> events, CancellationToken cancellation = default)
    {
        var ledger = await Ledger;
        foreach (var account in events.Select(LedgerRow.From).GroupBy(row => row.PartitionKey))
            foreach (var rows in account.Chunk(MaxTransactionActions))
                await ledger.SubmitTransactionAsync(rows.Select(row => new TableTransactionAction(TableTransactionActionType.UpsertReplace, row)),
                    cancellation);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> events of one account after sequence <paramref name="after"/>, in order. Each
    /// operation's events are written by their own activity, so a later operation's rows can land before an earlier
    /// one's: the page stops before the first sequence not written yet, so a reader that follows the pages never skips
    /// an event (it reads it on a later call instead). An account's sequences run 1, 2, 3, ... without holes.
    /// </summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadLedger(string accountId, long after, int limit, CancellationToken cancellation = default)
    {
        var last = after > long.MaxValue - limit ? long.MaxValue : after + limit;
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {accountId} and RowKey gt {LedgerRow.Key(after)} and RowKey le {LedgerRow.Key(last)}");
        var events = new List<StoredEvent>();
        await foreach (var row in (await Ledger).QueryAsync<LedgerRow>(filter, maxPerPage: limit, cancellationToken: cancellation))
        {
            var stored = row.ToEvent();
            if (stored.Sequence != after + events.Count + 1)
                break; // not written yet; the key range holds at most limit rows
            events.Add(stored);
        }
        return events;
    }
}
