using BillingFunctions.Core.Identity;

namespace BillingFunctions.Tests.Core;

/// <summary>The retention window both hosts share: where it ends, and which settings it accepts.</summary>
public class IdempotencyRetentionSpec
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    [Fact]
    public void An_answer_is_kept_until_it_is_as_old_as_the_window()
    {
        var day = IdempotencyRetention.Default;
        Assert.Equal(TimeSpan.FromHours(24).Ticks, day.WindowTicks);
        Assert.True(day.Keeps(T0, T0));
        Assert.True(day.Keeps(T0, T0 + TimeSpan.TicksPerDay - 1));
        Assert.False(day.Keeps(T0, T0 + TimeSpan.TicksPerDay));
        Assert.Equal(T0, day.LatestExpired(T0 + TimeSpan.TicksPerDay));
        Assert.True(day.Keeps(T0 + 1, T0)); // recorded "later" than now (a host clock stepped back): still kept
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(IdempotencyRetention.MaxHours + 1)]
    [InlineData(int.MaxValue)]
    public void A_setting_outside_1_to_ten_years_of_hours_is_refused_naming_the_setting(int hours)
    {
        var refused = Assert.Throws<ArgumentOutOfRangeException>(() => IdempotencyRetention.FromHours(hours));
        Assert.Contains("Billing:IdempotencyRetentionHours", refused.Message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(IdempotencyRetention.MaxHours)]
    public void The_ends_of_the_range_are_accepted(int hours) =>
        Assert.Equal(hours * TimeSpan.TicksPerHour, IdempotencyRetention.FromHours(hours).WindowTicks);
}
