using System.Numerics;
using System.Text.RegularExpressions;
using BillingFunctions.Core.Amounts;
using FsCheck;
using FsCheck.Fluent;
using static BillingFunctions.Tests.Core.CoreGen;

namespace BillingFunctions.Tests.Core;

/// <summary>Money and rates cross the text boundary exactly, and only as plain decimal strings.</summary>
public class FixedPointProperties
{
    /// <summary>A decimal string as a client might send it, with the value it stands for at the given scale.</summary>
    public sealed record DecimalText(string Text, BigInteger Scaled);

    private static Gen<string> Digits(int min, int max) =>
        from length in Gen.Choose(min, max)
        from digits in Gen.ArrayOf(Gen.Elements("0123456789".ToCharArray()), length)
        select new string(digits);

    private static Gen<DecimalText> Decimals(int scale, int maxWholeDigits) =>
        from whole in Digits(1, maxWholeDigits)
        from fraction in Digits(0, scale)
        let text = fraction.Length == 0 ? whole : $"{whole}.{fraction}"
        let scaled = BigInteger.Parse(whole) * BigInteger.Pow(10, scale) + (fraction.Length == 0 ? 0 : BigInteger.Parse(fraction.PadRight(scale, '0')))
        select new DecimalText(text, scaled);

    /// <summary>Ways a valid amount can be spoiled; each must be refused by both parsers.</summary>
    private static Gen<string> Spoiled(int scale, int maxWholeDigits) =>
        from valid in Decimals(scale, maxWholeDigits)
        from position in Gen.Choose(0, valid.Text.Length)
        from extra in Digits(1, 4)
        from blank in Gen.Elements(" ", "\t", "\n", "\r", "\u00A0", "\u2009", "\u3000")
        from exponent in Gen.Elements("e", "E", "e+", "e-", "E-")
        from foreignZero in Gen.Elements('\uFF10', '\u0660', '\u06F0', '\u0966')
        from kind in Gen.Choose(0, 8)
        select kind switch
        {
            // One fractional digit too many, even when it is a zero.
            0 => (valid.Text.Contains('.') ? valid.Text : valid.Text + ".") + new string('0', Math.Max(0, scale - Fraction(valid.Text).Length)) + extra,
            1 => "-" + valid.Text,
            2 => "+" + valid.Text,
            3 => valid.Text + exponent + extra,
            4 => valid.Text.Insert(position, blank),
            5 => valid.Text.Contains('.') ? valid.Text.Replace('.', ',') : valid.Text + "_" + extra,
            6 => valid.Text[..position] + (char)(foreignZero + (extra[0] - '0')) + valid.Text[position..],
            7 => valid.Text.Contains('.') ? valid.Text + "." + extra : "." + valid.Text,
            _ => valid.Text.Contains('.') ? valid.Text + "." : valid.Text + "." + "x",
        };

    private static string Fraction(string text) => text.Contains('.') ? text[(text.IndexOf('.') + 1)..] : "";

    private static readonly Regex Canonical = new(@"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$");

    [Fact]
    public void Money_formats_canonically_and_parses_back_to_the_same_units()
    {
        Check.One(Cases, Prop.ForAll(Spread(1, Money.Max.Units).ToArbitrary(), units =>
        {
            var text = new Money(units).ToString();
            Assert.Matches(Canonical, text);
            Assert.True(Fraction(text).Length <= Money.Scale, text);
            Assert.True(Money.TryParsePositive(text, out var parsed, out var error), $"{text}: {error}");
            Assert.Equal(units, parsed.Units);
        }));
    }

    [Fact]
    public void Rates_format_canonically_and_parse_back_to_the_same_pico_units()
    {
        Check.One(Cases, Prop.ForAll(Spread(0, Rate.Max.PicoPerSecond).ToArbitrary(), pico =>
        {
            var text = new Rate(pico).ToString();
            Assert.Matches(Canonical, text);
            Assert.True(Fraction(text).Length <= Rate.Scale, text);
            Assert.True(Rate.TryParse(text, out var parsed, out var error), $"{text}: {error}");
            Assert.Equal(pico, parsed.PicoPerSecond);
        }));
    }

    [Fact]
    public void Any_plain_decimal_within_range_parses_to_its_exact_value()
    {
        Check.One(Cases, Prop.ForAll(Decimals(Money.Scale, 16).ToArbitrary(), d =>
        {
            var ok = Money.TryParsePositive(d.Text, out var money, out var error);
            var expected = d.Scaled > 0 && d.Scaled <= Money.Max.Units;
            Assert.True(expected == ok, $"{d.Text} ({d.Scaled}): parsed {ok}, error {error}");
            if (ok)
                Assert.Equal(d.Scaled, (BigInteger)money.Units);
            else
                Assert.False(string.IsNullOrWhiteSpace(error));
        }));
        Check.One(Cases, Prop.ForAll(Decimals(Rate.Scale, 10).ToArbitrary(), d =>
        {
            var ok = Rate.TryParse(d.Text, out var rate, out var error);
            Assert.True((d.Scaled <= Rate.Max.PicoPerSecond) == ok, $"{d.Text} ({d.Scaled}): parsed {ok}, error {error}");
            if (ok)
                Assert.Equal(d.Scaled, (BigInteger)rate.PicoPerSecond);
        }));
    }

    [Fact]
    public void Spoiled_amounts_are_refused()
    {
        Check.One(Cases, Prop.ForAll(Spoiled(Money.Scale, 13).ToArbitrary(), text =>
        {
            Assert.False(Money.TryParsePositive(text, out _, out var error), $"'{text}' was accepted as money");
            Assert.False(string.IsNullOrWhiteSpace(error));
        }));
        Check.One(Cases, Prop.ForAll(Spoiled(Rate.Scale, 7).ToArbitrary(), text =>
        {
            Assert.False(Rate.TryParse(text, out _, out var error), $"'{text}' was accepted as a rate");
            Assert.False(string.IsNullOrWhiteSpace(error));
        }));
    }

    [Fact]
    public void Amounts_above_the_maximum_are_refused()
    {
        var above = Spread(1, long.MaxValue / 2).Select(d => (BigInteger)Money.Max.Units + d);
        Check.One(Cases, Prop.ForAll(above.ToArbitrary(), scaled =>
        {
            var text = Text(scaled, Money.Scale);
            Assert.False(Money.TryParsePositive(text, out _, out _), $"'{text}' is above the maximum but was accepted");
        }));
        var aboveRate = Spread(1, long.MaxValue / 2).Select(d => (BigInteger)Rate.Max.PicoPerSecond + d);
        Check.One(Cases, Prop.ForAll(aboveRate.ToArbitrary(), scaled =>
        {
            var text = Text(scaled, Rate.Scale);
            Assert.False(Rate.TryParse(text, out _, out _), $"'{text}' is above the maximum but was accepted");
        }));
    }

    private static string Text(BigInteger scaled, int scale)
    {
        var divisor = BigInteger.Pow(10, scale);
        var fraction = (scaled % divisor).ToString().PadLeft(scale, '0').TrimEnd('0');
        return fraction.Length == 0 ? (scaled / divisor).ToString() : $"{scaled / divisor}.{fraction}";
    }
}
