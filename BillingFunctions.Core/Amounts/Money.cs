using System.Diagnostics.CodeAnalysis;

namespace BillingFunctions.Core.Amounts;

/// <summary>An amount of money in micro-units (10^-6 of the currency unit); never a floating-point number.</summary>
public readonly record struct Money(long Units) : IComparable<Money>
{
    public const int Scale = 6;
    public const long UnitsPerWhole = 1_000_000;

    /// <summary>Largest amount or balance: 9,000,000,000,000 whole units, kept below long.MaxValue so sums can be checked.</summary>
    public static readonly Money Max = new(9_000_000_000_000L * UnitsPerWhole);
    public static readonly Money Zero = new(0);

    public int CompareTo(Money other) => Units.CompareTo(other.Units);
    public static bool operator <(Money a, Money b) => a.Units < b.Units;
    public static bool operator >(Money a, Money b) => a.Units > b.Units;
    public static bool operator <=(Money a, Money b) => a.Units <= b.Units;
    public static bool operator >=(Money a, Money b) => a.Units >= b.Units;
    public static Money operator +(Money a, Money b) => new(checked(a.Units + b.Units));
    public static Money operator -(Money a, Money b) => new(checked(a.Units - b.Units));

    /// <summary>Parses a positive decimal string with at most 6 fractional digits, up to <see cref="Max"/>.</summary>
    public static bool TryParsePositive(string? text, out Money money, [NotNullWhen(false)] out string? error)
    {
        money = Zero;
        if (!FixedPoint.TryParse(text, Scale, Max.Units, out var units, out error))
            return false;
        if (units == 0)
        {
            error = "must be greater than zero";
            return false;
        }
        money = new Money(units);
        return true;
    }

    public override string ToString() => FixedPoint.Format(Units, Scale);
}
