using System.Diagnostics.CodeAnalysis;

namespace BillingFunctions.Core.Amounts;

/// <summary>A spend rate in pico-units (10^-12 of the currency unit) per second.</summary>
public readonly record struct Rate(long PicoPerSecond)
{
    public const int Scale = 12;

    /// <summary>Largest rate: 9,000,000 whole units per second.</summary>
    public static readonly Rate Max = new(9_000_000L * 1_000_000_000_000L);
    public static readonly Rate Zero = new(0);

    public bool IsZero => PicoPerSecond == 0;

    /// <summary>Parses a non-negative decimal string with at most 12 fractional digits.</summary>
    public static bool TryParse(string? text, out Rate rate, [NotNullWhen(false)] out string? error)
    {
        rate = Zero;
        if (!FixedPoint.TryParse(text, Scale, Max.PicoPerSecond, out var pico, out error))
            return false;
        rate = new Rate(pico);
        return true;
    }

    public override string ToString() => FixedPoint.Format(PicoPerSecond, Scale);
}
