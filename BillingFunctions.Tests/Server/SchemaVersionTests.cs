using System.Net.Http.Json;
using BillingFunctions.Server.Storage;
using BillingFunctions.Tests.Support;
using Microsoft.Data.Sqlite;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The database file carries its schema version (<c>PRAGMA user_version</c>): a file the server wrote reopens at the
/// same version with its data; a file from before versioning (version 0, its tables already there, the <c>owner</c>
/// table not yet) is adopted as version 1 with nothing lost and migrated on; a version-1 file gains the hold expiry of
/// its hold.placed events; a file from a newer server is refused and left as it was.
/// </summary>
public sealed class SchemaVersionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task A_file_the_server_wrote_reopens_at_the_same_version_with_its_data()
    {
        var data = TempDirectory.Create();
        await WriteAccount(data);
        Assert.Equal(2, SchemaMigrations.Latest);
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
        // (version 2), and no version in the header.
        Execute(data, "DROP TABLE owner; ALTER TABLE events DROP COLUMN hold_expires_at; PRAGMA user_version = 0;");
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
        // What a version-1 file looks like: events without the column.
        Execute(data, "ALTER TABLE events DROP COLUMN hold_expires_at; PRAGMA user_version = 1;");

        await using (var migrated = await RunningServer.StartAsync(data))
            Assert.Equal(["account.created", "account.credited", "hold.placed", "hold.released", "hold.placed"],
                (await migrated.Client.Ledger("kept")).Select(entry => entry.Str("type")));
        Assert.Equal(SchemaMigrations.Latest, Query(data, "PRAGMA user_version"));
        Assert.Equal(expires, Query(data, "SELECT hold_expires_at FROM events WHERE type = 'hold.placed' ORDER BY sequence LIMIT 1"));
        Assert.Equal(1, Query(data, "SELECT count(*) FROM events WHERE type = 'hold.placed' AND hold_expires_at IS NULL"));
        Assert.Equal(0, Query(data, "SELECT count(*) FROM events WHERE type <> 'hold.placed' AND hold_expires_at IS NOT NULL"));
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

    /// <summary>A real server writes an account with a credit into the directory, then stops (its WAL checkpointed into the file).</summary>
    private static async Task WriteAccount(string data)
    {
        await using var server = await RunningServer.StartAsync(data);
        (await server.Client.OpenAccount("kept")).EnsureSuccessStatusCode();
        (await server.Client.Credit("kept", "7.5")).EnsureSuccessStatusCode();
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
