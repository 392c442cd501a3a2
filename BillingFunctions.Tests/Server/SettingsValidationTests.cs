using System.ComponentModel.DataAnnotations;
using System.Reflection;
using BillingFunctions.Server;
using BillingFunctions.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// A setting out of its range stops the server before it takes the data directory or starts anything: one line on
/// stderr naming the key and the allowed range, and exit code 78. Each numeric setting is tried below and above its
/// range through <see cref="BillingServer.Build"/> (the same start-up the process runs), and the real process once.
/// </summary>
public sealed class SettingsValidationTests(Xunit.Abstractions.ITestOutputHelper output)
{
    /// <summary>Every numeric setting with its allowed range, as the README's configuration table gives it.</summary>
    public static readonly TheoryData<string, long, long> NumericSettings = new()
    {
        { "Billing:DataDirectoryLockWaitSeconds", 0, 86_400 },
        { "Billing:ShutdownDrainSeconds", 0, 25 },
        { "Billing:DefaultHoldExpirySeconds", 1, 31_536_000 },
        { "Billing:IdempotencyRetentionHours", 1, 87_600 },
        { "Billing:MaxRequestBodyBytes", 1024, 67_108_864 },
        { "Billing:MaxPendingWrites", 1, 10_000_000 },
        { "Billing:MaxBatchSize", 1, 100_000 },
        { "Billing:MaxUnprojectedWrites", 1, 10_000_000 },
        { "Billing:StorageBusyTimeoutSeconds", 0, 3600 },
        { "Billing:Webhook:TimeoutSeconds", 1, 300 },
        { "Billing:Webhook:MaxConcurrentDeliveries", 1, 10_000 },
        { "Billing:Webhook:InitialBackoffMilliseconds", 1, 3_600_000 },
        { "Billing:Webhook:MaxBackoffSeconds", 1, 86_400 },
        { "Billing:Webhook:GiveUpAfterSeconds", 1, 2_592_000 },
        { "Billing:Queues:LockDurationSeconds", 1, 3600 },
        { "Billing:Queues:MaxDeliveryCount", 1, 2000 },
        { "Billing:Queues:DuplicateDetectionWindowSeconds", 0, 604_800 },
        { "Billing:Queues:OrderConsumers", 1, 1024 },
        { "Billing:Queues:NotificationConsumers", 1, 1024 },
        { "Billing:Queues:CompleteDelayMilliseconds", 0, 60_000 },
    };

    [Theory]
    [MemberData(nameof(NumericSettings))]
    public void A_numeric_setting_below_or_above_its_range_stops_the_start_naming_the_key_and_the_range(string key, long minimum, long maximum)
    {
        foreach (var bad in new[] { minimum - 1, maximum + 1 })
        {
            var data = TempDirectory.Create();
            var refused = Assert.Throws<OptionsValidationException>(() => BillingServer.Build(Arguments(data, $"{key}={bad}")));
            output.WriteLine(refused.Message);
            Assert.Equal($"{key} must be between {minimum} and {maximum}", refused.Message);
            Assert.Empty(Directory.EnumerateFileSystemEntries(data)); // no lock taken, no database created
        }
    }

    [Fact]
    public async Task Every_numeric_setting_at_the_ends_of_its_range_is_accepted()
    {
        foreach (var end in new Func<(string Key, long Minimum, long Maximum), long>[] { range => range.Minimum, range => range.Maximum })
        {
            var settings = NumericSettings.Select(row => $"{row[0]}={end(((string)row[0], (long)row[1], (long)row[2]))}").ToArray();
            await using var app = BillingServer.Build(Arguments(TempDirectory.Create(), settings));
            // Built on first use: the webhook retry schedule, whose Polly pipelines check their own bounds.
            Assert.NotNull(app.Services.GetRequiredService<BillingFunctions.Server.Cutoffs.CutoffDispatcher>());
        }
    }

    [Fact]
    public void Every_numeric_setting_has_a_range_and_a_row_in_this_test()
    {
        var declared = NumericProperties(typeof(BillingOptions), "Billing").ToList();
        foreach (var (key, property) in declared)
            Assert.True(property.GetCustomAttribute<RangeAttribute>() is not null, $"{key} has no [Range]: every numeric setting needs an allowed range.");
        Assert.Equal(declared.Select(setting => setting.Key).Order(), NumericSettings.Select(row => (string)row[0]).Order());
    }

    [Fact]
    public void A_currency_that_is_not_a_three_letter_code_stops_the_start()
    {
        var refused = Assert.Throws<OptionsValidationException>(() => BillingServer.Build(Arguments(TempDirectory.Create(), "Billing:DefaultCurrency=usd")));
        Assert.Equal("Billing:DefaultCurrency must be a three-letter upper-case code such as USD", refused.Message);
    }

    [Fact]
    public async Task The_real_server_with_no_concurrent_deliveries_allowed_exits_78_with_one_line_naming_the_key_and_the_range()
    {
        var data = TempDirectory.Create();
        await using var server = ServerProcess.Launch(data, null, "Billing:Webhook:MaxConcurrentDeliveries=0");
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the server is running with MaxConcurrentDeliveries = 0");
        Assert.Equal(78, server.ExitCode);
        var error = Assert.Single(server.Output);
        output.WriteLine(error);
        Assert.Equal("Invalid configuration: Billing:Webhook:MaxConcurrentDeliveries must be between 1 and 10000", error);
        Assert.Empty(Directory.EnumerateFileSystemEntries(data));
    }

    [Fact]
    public async Task The_real_server_with_a_setting_that_is_not_a_number_exits_78_with_one_line_naming_the_key()
    {
        var data = TempDirectory.Create();
        await using var server = ServerProcess.Launch(data, null, "Billing:Queues:OrderConsumers=many");
        Assert.True(await server.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the server is running with OrderConsumers = many");
        Assert.Equal(78, server.ExitCode);
        var error = Assert.Single(server.Output);
        output.WriteLine(error);
        Assert.Equal("Invalid configuration: Failed to convert configuration value 'many' at 'Billing:Queues:OrderConsumers' to type 'System.Int32'.", error);
    }

    private static string[] Arguments(string dataDirectory, params string[] settings) =>
        ["--urls", "http://127.0.0.1:0", "--environment", "Production", $"--Billing:DataDirectory={dataDirectory}",
            "--Logging:LogLevel:Default=Warning", .. settings.Select(setting => "--" + setting)];

    private static IEnumerable<(string Key, PropertyInfo Property)> NumericProperties(Type options, string section)
    {
        foreach (var property in options.GetProperties())
        {
            var key = $"{section}:{property.Name}";
            if (property.PropertyType == typeof(int) || property.PropertyType == typeof(long))
                yield return (key, property);
            else if (property.GetCustomAttribute<ValidateObjectMembersAttribute>() is not null)
                foreach (var nested in NumericProperties(property.PropertyType, key))
                    yield return nested;
        }
    }
}
