using BillingFunctions.Core.Accounts;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Server.Storage;

/// <summary>
/// An event as a row of the <c>events</c> table: its type name, its ledger entry, and the type's own fields in
/// nullable columns (<see cref="EventDetails"/>). <see cref="EventCodec"/> turns the name back into the typed event.
/// </summary>
internal static class EventRows
{
    public const string Insert = """
        INSERT INTO events (event_id, type, account_id, operation_id, at, amount, delta, consumed, balance_before,
            balance_after, held_after, episode, hold_id, counterparty, rate, hold_expires_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
        """;

    /// <summary>The columns <see cref="Read"/> reads, in its order.</summary>
    public const string Columns = """
        sequence, event_id, type, account_id, operation_id, at, amount, delta, consumed, balance_before,
        balance_after, held_after, episode, hold_id, counterparty, rate, hold_expires_at
        """;

    public static void Write(RawStatement insert, string eventId, AccountEvent e)
    {
        var details = EventCodec.Details(e);
        insert.Bind(1, eventId).Bind(2, e.Type).Bind(3, e.AccountId).Bind(4, e.OperationId).Bind(5, e.At)
            .Bind(6, e.Amount).Bind(7, e.Delta).Bind(8, e.Consumed).Bind(9, e.BalanceBefore).Bind(10, e.BalanceAfter)
            .Bind(11, e.HeldAfter).Bind(12, e.Episode).Bind(13, details.HoldId).Bind(14, details.Counterparty)
            .Bind(15, details.RatePerSecond).Bind(16, details.HoldExpiresAt).Run();
    }

    public static StoredEvent Read(SqliteDataReader row)
    {
        var entry = new LedgerEntry(row.GetString(3), row.GetInt64(5), NullableString(row, 4), row.GetInt64(6), row.GetInt64(7),
            row.GetInt64(8), row.GetInt64(9), row.GetInt64(10), row.GetInt64(11), row.GetInt32(12));
        var details = new EventDetails(NullableString(row, 13), NullableString(row, 14), NullableLong(row, 15), NullableLong(row, 16));
        return new StoredEvent(row.GetInt64(0), row.GetString(1), EventCodec.Create(row.GetString(2), entry, details));
    }

    private static string? NullableString(SqliteDataReader row, int column) => row.IsDBNull(column) ? null : row.GetString(column);

    private static long? NullableLong(SqliteDataReader row, int column) => row.IsDBNull(column) ? null : row.GetInt64(column);
}
