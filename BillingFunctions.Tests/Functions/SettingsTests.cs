using Microsoft.Extensions.Configuration;

namespace BillingFunctions.Tests.Functions;

/// <summary>The Azure app checks its whole-number settings when it starts, and names the key and the allowed range.</summary>
public sealed class SettingsTests
{
    [Theory]
    [InlineData("DefaultHoldExpirySeconds", "0", "1 to 31536000")]
    [InlineData("WriteTimeoutSeconds", "0", "1 to 230")]
    [InlineData("WriteTimeoutSeconds", "ten", "1 to 230")]
    [InlineData("Webhook:TimeoutSeconds", "301", "1 to 300")]
    [InlineData("IdempotencyRetentionHours", "0", "1 to 87600")]
    public void A_setting_out_of_range_stops_the_app_with_the_key_and_the_range(string key, string value, string range)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Billing:{key}"] = value }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => BillingSettings.From(configuration));
        Assert.Equal($"Billing:{key} is '{value}'; it must be a whole number from {range}.", error.Message);
    }

    [Fact]
    public void Settings_in_range_are_taken()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Billing:WriteTimeoutSeconds"] = "45", ["Billing:IdempotencyRetentionHours"] = "48",
        }).Build();
        var settings = BillingSettings.From(configuration);
        Assert.Equal((45, TimeSpan.FromHours(48).Ticks), (settings.WriteTimeoutSeconds, settings.IdempotencyRetention.WindowTicks));
    }
}
