using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

/// <summary>The text forms of money and rates, case by case.</summary>
public class FixedPointSpec
{
    [Theory]
    [InlineData("12.5", 12_500_000)]
    [InlineData("7.50", 7_500_000)]
    [InlineData("0.000001", 1)]
    [InlineData("1", 1_000_000)]
    [InlineData("0.1", 100_000)]
    [InlineData("9000000000000", 9_000_000_000_000_000_000)]
    [InlineData("8999999999999.999999", 8_999_999_999_999_999_999)]
    public void Money_accepts_plain_decimals(string text, long units)
    {
        Assert.True(Money.TryParsePositive(text, out var money, out var error), error);
        Assert.Equal(units, money.Units);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0")]
    [InlineData("0.0")]
    [InlineData("0.000000")]
    [InlineData("-1")]
    [InlineData("-0.5")]
    [InlineData("+1")]
    [InlineData("1e3")]
    [InlineData("1E3")]
    [InlineData("1.5e-2")]
    [InlineData(" 1")]
    [InlineData("1 ")]
    [InlineData("1 000")]
    [InlineData("1\t")]
    [InlineData("1.0000001")]
    [InlineData("1.0000000")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData(".")]
    [InlineData("1,5")]
    [InlineData("1.2.3")]
    [InlineData("9000000000000.000001")]
    [InlineData("9000000000001")]
    [InlineData("99999999999999999999")]
    [InlineData("99999999999999999999999999999999999999999")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("0x10")]
    [InlineData("\uFF11")]
    [InlineData("\u0661.5")]
    public void Money_refuses_anything_else(string? text)
    {
        Assert.False(Money.TryParsePositive(text, out var money, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal(Money.Zero, money);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("0.000000000000", 0)]
    [InlineData("0.000013888889", 13_888_889)]
    [InlineData("0.000000000001", 1)]
    [InlineData("1", 1_000_000_000_000)]
    [InlineData("1000", 1_000_000_000_000_000)]
    [InlineData("9000000", 9_000_000_000_000_000_000)]
    public void Rate_accepts_plain_decimals_including_zero(string text, long pico)
    {
        Assert.True(Rate.TryParse(text, out var rate, out var error), error);
        Assert.Equal(pico, rate.PicoPerSecond);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-0.1")]
    [InlineData("-0")]
    [InlineData("0.0000000000001")]
    [InlineData("0.0000000000000")]
    [InlineData("1e-3")]
    [InlineData(" 0.5")]
    [InlineData("0.5\n")]
    [InlineData("9000000.000000000001")]
    [InlineData("9000001")]
    [InlineData("12345678901234567890")]
    public void Rate_refuses_anything_else(string? text)
    {
        Assert.False(Rate.TryParse(text, out var rate, out var error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.Equal(Rate.Zero, rate);
    }

    [Theory]
    [InlineData(0, 6, "0")]
    [InlineData(1, 6, "0.000001")]
    [InlineData(12_500_000, 6, "12.5")]
    [InlineData(-1_500_000, 6, "-1.5")]
    [InlineData(13_888_889, 12, "0.000013888889")]
    [InlineData(1_000_000_000_000, 12, "1")]
    [InlineData(long.MaxValue, 6, "9223372036854.775807")]
    [InlineData(long.MinValue, 6, "-9223372036854.775808")]
    public void Format_writes_the_shortest_exact_decimal(long scaled, int scale, string text)
    {
        Assert.Equal(text, FixedPoint.Format(scaled, scale));
    }

    [Fact]
    public void The_parse_error_names_the_problem()
    {
        Assert.False(FixedPoint.TryParse("1.0000001", 6, long.MaxValue, out _, out var digits));
        Assert.Contains("6 fractional digits", digits);
        Assert.False(FixedPoint.TryParse("9000000000001", 6, Money.Max.Units, out _, out var large));
        Assert.Contains("maximum", large);
    }
}
