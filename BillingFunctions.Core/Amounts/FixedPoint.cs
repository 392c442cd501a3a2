using System.Diagnostics.CodeAnalysis;

namespace BillingFunctions.Core.Amounts;

/// <summary>Exact decimal text to scaled integers and back; the only place money crosses the text boundary.</summary>
public static class FixedPoint
{
    /// <summary>
    /// Accepts "123", "123.45", "0.000001": ASCII digits, one optional point, no sign, no exponent,
    /// no spaces, at most <paramref name="scale"/> fractional digits, at most <paramref name="max"/> scaled.
    /// </summary>
    public static bool TryParse(string? text, int scale, long max, out long scaled, [NotNullWhen(false)] out string? error)
    {
        scaled = 0;
        if (string.IsNullOrEmpty(text))
        {
            error = "is required";
            return false;
        }
        if (text.Length > 40)
        {
            error = "is too long to be an amount";
            return false;
        }

        var point = text.IndexOf('.');
        var whole = point < 0 ? text : text[..point];
        var fraction = point < 0 ? "" : text[(point + 1)..];
        if (whole.Length == 0 || (point >= 0 && fraction.Length == 0) || !AllDigits(whole) || !AllDigits(fraction))
        {
            error = "must be a plain decimal number such as \"12.5\"";
            return false;
        }
        if (fraction.Length > scale)
        {
            error = $"has more than {scale} fractional digits";
            return false;
        }

        Int128 value = 0;
        foreach (var c in whole.TrimStart('0'))
        {
            value = value * 10 + (c - '0');
            if (value > max)
                return TooLarge(out error);
        }
        for (var i = 0; i < scale; i++)
        {
            value = value * 10 + (i < fraction.Length ? fraction[i] - '0' : 0);
            if (value > max)
                return TooLarge(out error);
        }
        scaled = (long)value;
        error = null;
        return true;
    }

    public static string Format(long scaled, int scale)
    {
        var negative = scaled < 0;
        var magnitude = negative ? -(Int128)scaled : scaled;
        var divisor = Int128.Parse("1" + new string('0', scale));
        var whole = magnitude / divisor;
        var fraction = (magnitude % divisor).ToString().PadLeft(scale, '0').TrimEnd('0');
        var text = fraction.Length == 0 ? whole.ToString() : $"{whole}.{fraction}";
        return negative ? "-" + text : text;
    }

    private static bool AllDigits(string s)
    {
        foreach (var c in s)
            if (c is < '0' or > '9')
                return false;
        return true;
    }

    private static bool TooLarge(out string error)
    {
        error = "is larger than the maximum allowed";
        return false;
    }
}
