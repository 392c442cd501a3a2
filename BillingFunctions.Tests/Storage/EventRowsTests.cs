using BillingFunctions.Core.Accounts;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Tests.Storage;

/// <summary>The events table keeps every event type whole: what a batch committed reads back as the same typed event.</summary>
public sealed class EventRowsTests
{
    [Fact]
    public void Every_event_type_reads_back_from_a_real_file_as_it_was_committed()
    {
        var data = TempDirectory.Create();
        var events = EventSamples.OneOfEach();
        Assert.Equal(EventTypes.All.Order(), events.Select(e => e.Type).Distinct().Order());
        using (var store = new SqliteStore(data))
        {
            var batch = new CommitBatch();
            foreach (var (e, i) in events.Select((e, i) => (e, i)))
                batch.Events.Add(($"acc-1:{i + 1}", e));
            store.Commit(batch);
        }

        using var reopened = new SqliteStore(data);
        var read = reopened.ReadEvents(0, 100);
        Assert.Equal(events, read.Select(s => s.Event));
        Assert.Equal(events.Select((_, i) => $"acc-1:{i + 1}"), read.Select(s => s.EventId));
        Assert.Equal(events, reopened.ReadEvents(0, 100, "acc-1").Select(s => s.Event));
    }

    [Fact]
    public void A_row_of_an_unknown_type_is_refused_by_name_not_misread()
    {
        var data = TempDirectory.Create();
        using (var store = new SqliteStore(data))
        {
            var batch = new CommitBatch();
            batch.Events.Add(("acc-1:1", EventSamples.OneOfEach()[1]));
            store.Commit(batch);
        }
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(data, "billing.db"), Pooling = false }.ToString()))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "UPDATE events SET type = 'account.renamed'";
            Assert.Equal(1, command.ExecuteNonQuery());
        }

        using var reopened = new SqliteStore(data);
        Assert.Contains("Unknown event type 'account.renamed'", Assert.Throws<FormatException>(() => reopened.ReadEvents(0, 100)).Message);
    }
}
