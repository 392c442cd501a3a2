using System.Net;
using System.Net.Http.Json;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The database file carries its schema version (<c>PRAGMA user_version</c>): a file the server wrote reopens at the
/// same version with its data; a file from before versioning (version 0, its tables already there, the <c>owner</c>
/// table not yet) is adopted as version 1 with nothing lost and migrated on; a version-1 file gains the hold expiry of
/// its hold.placed events; a version-2 file has its baskets and notifications renamed from user_id to account_id with
/// every row kept; a file from a newer server is refused and left as it was.
/// </summary>
public sealed class SchemaVersionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_file_the_server_wrote_reopens_at_the_same_version_with_its_data()
    {
        var data = TempDirectory.Create();
        await WriteAccount(data);
        Assert.Equal(4, SchemaMigrations.Latest);
        Assert.Equal(SchemaMigrations.Latest, Query(data, "PRAGMA user_version"));

        await using (var reopened = await RunningServer.StartAsync(data))
        {
            Assert.Equal("7.5", (await reopened.Client.Account("kept")).Str("balance"));
            (await reopened.Client.Credit("kept", "1")).EnsureSuccessStatusCode();
        }
        Assert.Equal(SchemaMigrations.Latest, Query(data, "PRAGMA user_version"));
        Assert.Equal(3, Query(data, "SELECT count(*) FROM events WHERE account_id = 'kept'"));
    }

    [Fact]
    public async Task A_file_from_before_versioning_is_adopted_as_version_1_without_losing_data()
    {
        var data = TempDirectory.Create();
        await WriteAccount(data);
        // What such a file looks like: every table but the owner table (added later), events without the hold expiry
        // (version 2), baskets and notifications with user_id (version 3), and no version in the header.
        Downgrade(data, "DROP TABLE owner; ALTER TABLE events DROP COLUMN hold_expires_at;" + UndoAccountIdColumns, version: 0);
        Assert.Equal(0, Query(data, "SELECT count(*) FROM sqlite_master WHERE name = 'owner'"));

        await using (var adopted = await RunningServer.StartAsync(data))
        {
            Assert.Equal("7.5", (await adopted.Client.Account("kept")).Str("balance"));
            Assert.Equal(["account.created", "account.credited"], (await adopted.Client.Ledger("kept")).Select(entry => entry.Str("type")));
            (await adopted.Client.Debit("kept", "2.5")).EnsureSuccessStatusCode();
            Assert.Equal("5", (await adopted.Client.Account("kept")).Str("balance"));
        }
        Assert.Equal(SchemaMigrations.Latest, Query(data, "PRAGMA user_version"));
        Assert.Equal(1, Query(data, "SELECT count(*) FROM owner"));
        Assert.Equal(3, Query(data, "SELECT count(*) FROM events WHERE account_id = 'kept'"));
    }

    [Fact]
    public async Task A_version_1_file_gets_the_expiry_of_each_placed_hold_from_that_placements_hold_row()
    {
        var data = TempDirectory.Create();
        await using (var server = await RunningServer.StartAsync(data))
        {
            (await server.Client.OpenAccount("kept")).EnsureSuccessStatusCode();
            (await server.Client.Credit("kept", "7.5")).EnsureSuccessStatusCode();
            (await server.Client.PostAsJsonAsync("/api/accounts/kept/holds", new { holdId = "h1", amount = "2", expiresInSeconds = 600 })).EnsureSuccessStatusCode();
            (await server.Client.PostAsync("/api/accounts/kept/holds/h1/release", null)).EnsureSuccessStatusCode();
            // The same hold id again (under its own operation id): its row in holds keeps the first placement's instant and expiry.
            (await server.Client.PostAsJsonAsync("/api/accounts/kept/holds",
                new { holdId = "h1", amount = "1", expiresInSeconds = 900, operationId = "place-h1-again" })).EnsureSuccessStatusCode();
        }
        var expires = Query(data, "SELECT expires_at FROM holds WHERE hold_id = 'h1'");
        Assert.Equal(2, Query(data, "SELECT count(DISTINCT hold_expires_at) FROM events WHERE type = 'hold.placed'"));
        // What a version-1 file looks like: events without the column, and user_id where version 3 has account_id.
        Downgrade(data, "ALTER TABLE events DROP COLUMN hold_expires_at;" + UndoAccountIdColumns, version: 1);

        await using (var migrated = await RunningServer.StartAsync(data))
            Assert.Equal(["account.created", "account.credited", "hold.placed", "hold.released", "hold.placed"],
                (await migrated.Client.Ledger("kept")).Select(entry => entry.Str("type")));
        Assert.Equal(SchemaMigrations.Latest, Query(data, "PRAGMA user_version"));
        Assert.Equal(expires, Query(data, "SELECT hold_expires_at FROM events WHERE type = 'hold.placed' ORDER BY sequence LIMIT 1"));
        Assert.Equal(1, Query(data, "SELECT count(*) FROM events WHERE type = 'hold.placed' AND hold_expires_at IS NULL"));
        Assert.Equal(0, Query(data, "SELECT count(*) FROM events WHERE type <> 'hold.placed' AND hold_expires_at IS NOT NULL"));
    }

    [Fact]
    public async Task A_version_2_file_keeps_its_baskets_and_notifications_under_account_id()
    {
        var fresh = TempDirectory.Create();
        await WriteAccount(fresh);
        var data = TempDirectory.Create();
        string paid, open;
        await using (var server = await RunningServer.StartAsync(data))
        {
            (await server.Client.OpenAccount("kept")).EnsureSuccessStatusCode();
            (await server.Client.Credit("kept", "10")).EnsureSuccessStatusCode();
            paid = await server.Client.Basket("kept");
            Assert.Equal(HttpStatusCode.Accepted, (await server.Client.PlaceOrder("kept", paid, "4")).StatusCode);
            Assert.Equal("paid", (await server.Client.DecidedOrder(paid)).Str("status"));
            Assert.Single(await server.Client.Notifications("kept"));
            open = await server.Client.Basket("kept");
        }
        // What a version-2 file looks like: baskets and notifications with user_id.
        Downgrade(data, UndoAccountIdColumns, version: 2);
        Assert.Equal(2, Query(data, "SELECT count(*) FROM baskets WHERE user_id = 'kept'"));

        await using (var migrated = await RunningServer.StartAsync(data))
        {
            var order = await migrated.Client.Order(paid);
            Assert.Equal(("kept", "paid", "4"), (order.Str("userId"), order.Str("status"), order.Str("amount")));
            var notification = Assert.Single(await migrated.Client.Notifications("kept"));
            Assert.Equal((paid, "order.paid"), (notification.Str("basketId"), notification.Str("type")));
            Assert.Equal(open, await migrated.Client.Basket("kept")); // the unpaid basket is found by its account
        }
        Assert.Equal(SchemaMigrations.Latest, Query(data, "PRAGMA user_version"));
        Assert.Equal(2, Query(data, "SELECT count(*) FROM baskets WHERE account_id = 'kept'"));
        Assert.Equal(1, Query(data, "SELECT count(*) FROM notifications WHERE account_id = 'kept'"));
        Assert.Equal(0, Query(data, "SELECT count(*) FROM pragma_table_info('baskets') WHERE name = 'user_id'"));
        Assert.Equal(0, Query(data, "SELECT count(*) FROM pragma_table_info('notifications') WHERE name = 'user_id'"));
        // The same tables and indexes as a file the server made from nothing.
        Assert.Equal(Definitions(fresh), Definitions(data));
    }

    [Fact]
    public async Task A_file_from_a_newer_server_is_refused_with_one_line_and_left_as_it_was()
    {
        var data = TempDirectory.Create();
        await WriteAccount(data);
        var future = SchemaMigrations.Latest + 1;
        Execute(data, $"PRAGMA user_version = {future}");
        var database = Path.Combine(data, "billing.db");
        var before = await File.ReadAllBytesAsync(database);

        Assert.Throws<SchemaTooNewException>(() => new SqliteStore(data).Dispose());

        await using var server = ServerProcess.Launch(data, null);
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the server is running on a database of a newer schema version");
        Assert.Equal(SchemaTooNewException.ExitCode, server.ExitCode);
        var error = Assert.Single(server.Output);
        output.WriteLine(error);
        Assert.Equal($"{Path.GetFullPath(database)} has schema version {future}, but this server knows versions up to {SchemaMigrations.Latest}: "
            + "a newer release of the server wrote it. Run that release or a newer one on it; this one never downgrades a database.", error);
        Assert.Equal(before, await File.ReadAllBytesAsync(database));
        Assert.Equal(future, Query(data, "PRAGMA user_version"));
        Assert.Equal(2, Query(data, "SELECT count(*) FROM events WHERE account_id = 'kept'"));
    }

    /// <summary>
    /// Baskets and notifications as versions 1 and 2 have them: <c>user_id</c>, and the indexes on it named for it, as
    /// step 1 created them.
    /// </summary>
    private const string UndoAccountIdColumns = """
        DROP INDEX baskets_unpaid_by_account;
        ALTER TABLE baskets RENAME COLUMN account_id TO user_id;
        CREATE INDEX baskets_unpaid_by_user ON baskets (user_id, opened_at) WHERE status <> 'paid';
        DROP INDEX notifications_by_account;
        ALTER TABLE notifications RENAME COLUMN account_id TO user_id;
        CREATE INDEX notifications_by_user ON notifications (user_id, sequence);

        """;

    /// <summary>
    /// Turns a file the server wrote into one an older release wrote: <paramref name="sql"/> undoes the later steps'
    /// other changes; every such file also lacks the projection table (version 4) and has no commit log beside it. The
    /// server stopped cleanly, so its log held nothing the file lacked.
    /// </summary>
    private static void Downgrade(string data, string sql, int version)
    {
        Execute(data, sql + $"DROP TABLE projection; PRAGMA user_version = {version};");
        Directory.Delete(Path.Combine(data, "log"), recursive: true);
    }

    /// <summary>A real server writes an account with a credit into the directory, then stops (its WAL checkpointed into the file).</summary>
    private static async Task WriteAccount(string data)
    {
        await using var server = await RunningServer.StartAsync(data);
        (await server.Client.OpenAccount("kept")).EnsureSuccessStatusCode();
        (await server.Client.Credit("kept", "7.5")).EnsureSuccessStatusCode();
    }

    /// <summary>Every table's and index's definition in the file, by name.</summary>
    private static List<string> Definitions(string data)
    {
        using var connection = Open(data);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT type || ' ' || name || ': ' || coalesce(sql, '') FROM sqlite_master ORDER BY name";
        using var reader = command.ExecuteReader();
        var definitions = new List<string>();
        while (reader.Read())
            definitions.Add(reader.GetString(0));
        return definitions;
    }

    private static long Query(string data, string sql)
    {
        using var connection = Open(data);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    private static void Execute(string data, string sql)
    {
        using var connection = Open(data);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static SqliteConnection Open(string data)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path.Combine(data, "billing.db"), Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
