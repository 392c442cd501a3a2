namespace BillingFunctions.Core.Amounts;

/// <summary>
/// Exact continuous consumption. Time is in ticks (100 ns). Rate (pico-units/s) times ticks gives
/// "fine" units of 10^-19; a micro-unit is 10^13 fine units. The sub-micro remainder is carried
/// between settlements, so consumption over an interval equals the sum over any split of it.
/// </summary>
public static class Consumption
{
    public const long TicksPerSecond = TimeSpan.TicksPerSecond;
    public const long FinePerUnit = 10_000_000_000_000L;

    /// <summary>Micro-units consumed over <paramref name="ticks"/> and the fine remainder carried on.</summary>
    public static (long Units, long Carry) Over(Rate rate, long carry, long ticks)
    {
        if (ticks <= 0 || rate.IsZero)
            return (0, carry);
        var fine = (Int128)rate.PicoPerSecond * ticks + carry;
        var units = fine / FinePerUnit;
        // Beyond long range only over millennia at the largest rate; callers clamp to what is available anyway.
        return (units > long.MaxValue ? long.MaxValue : (long)units, (long)(fine % FinePerUnit));
    }

    /// <summary>
    /// Ticks from now until <paramref name="available"/> micro-units are used up: the smallest t with
    /// consumption(t) >= available, so one tick earlier something is still left. Null when the rate is zero
    /// or the instant lies beyond the calendar.
    /// </summary>
    public static long? TicksUntilZero(Rate rate, long carry, long available, long maxTicks)
    {
        if (rate.IsZero)
            return null;
        var need = (Int128)available * FinePerUnit - carry;
        if (need <= 0)
            return 0;
        var ticks = (need + rate.PicoPerSecond - 1) / rate.PicoPerSecond;
        return ticks > maxTicks ? null : (long)ticks;
    }
}
