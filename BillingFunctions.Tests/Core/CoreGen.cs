using System.Collections.Immutable;
using System.Numerics;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Amounts;
using FsCheck;
using FsCheck.Fluent;

namespace BillingFunctions.Tests.Core;

/// <summary>Generators for realistic money, rates and spans of time, and the oracles the properties compare against.</summary>
internal static class CoreGen
{
    public const long MaxBalance = 1_000_000_000_000_000;
    public const long MaxRate = 1_000_000_000_000_000;
    public const string CutoffUrl = "https://platform.example/cutoff";
    public static readonly long MaxInterval = TimeSpan.FromDays(30).Ticks;
    public static readonly long T0 = new DateTime(2025, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    /// <summary>Property runs are driven from [Fact]s; every property gets at least this many cases.</summary>
    public static readonly Config Cases = Config.QuickThrowOnFailure.WithMaxTest(500);

    public static Gen<long> Between(long lo, long hi) => FsCheck.FSharp.Gen.Choose64(lo, hi);

    /// <summary>The commands a random history can hold; each property chooses its own mix.</summary>
    public enum Op { Credit, Debit, SetRate, PlaceHold, CaptureHold, ReleaseHold, TransferOut, TransferIn, PayOrder, RejectOrder, Wake }

    /// <summary>
    /// One command at an instant <c>Dt</c> after the previous one (negative: a clock behind the account). Credits are
    /// absolute; other amounts are absolute (<c>Absolute</c>) or a share in ppm of what the account has at that moment,
    /// so that exact-zero debits, full captures and near misses all happen often; a rate change with <c>Ppm</c> 0 asks
    /// for the rate the account already has.
    /// </summary>
    public sealed record Step(Op Op, long Dt, bool Absolute, long Amount, long Ppm, int Hold, long Rate, long? ExpiresIn);

    /// <summary>Steps with the given mix of commands, on hold ids h0 to h{maxHold}.</summary>
    public static Gen<Step> Steps(Gen<Op> ops, int maxHold) =>
        from op in ops
        from dt in Gen.Frequency(
            (1, Gen.Constant(0L)),
            (3, Spread(1, TimeSpan.TicksPerMinute)),
            (3, Spread(1, TimeSpan.TicksPerDay)),
            (1, Spread(1, MaxInterval)),
            (1, Between(-TimeSpan.TicksPerHour, -1)))
        from absolute in Gen.Frequency((1, Gen.Constant(true)), (3, Gen.Constant(false)))
        from amount in Balances
        from ppm in Gen.Frequency((2, Gen.Elements(0L, 1L, 999_999L, 1_000_000L, 1_000_001L)), (5, Between(0, 1_000_000)))
        from hold in Gen.Choose(0, maxHold)
        from rate in Rates
        from expiresIn in Gen.Frequency(
            (2, Gen.Constant<long?>(null)),
            (3, Spread(1, MaxInterval).Select(t => (long?)t)),
            (1, Between(-TimeSpan.TicksPerHour, 0).Select(t => (long?)t)))
        select new Step(op, dt, absolute, amount, ppm, hold, rate, expiresIn);

    /// <summary>
    /// Every order of magnitude between the bounds is equally likely, and the bounds themselves show up often:
    /// a uniform draw up to 10^15 would almost never produce a balance of a few micro-units.
    /// </summary>
    public static Gen<long> Spread(long lo, long hi)
    {
        var decades = new List<Gen<long>>();
        if (lo == 0)
            decades.Add(Gen.Constant(0L));
        for (var a = 1L; a <= hi; a = a > long.MaxValue / 10 ? long.MaxValue : a * 10)
        {
            var b = a > long.MaxValue / 10 ? long.MaxValue : a * 10 - 1;
            var (l, h) = (Math.Max(a, lo), Math.Min(b, hi));
            if (l <= h)
                decades.Add(Between(l, h));
            if (b >= hi)
                break;
        }
        return Gen.Frequency(
            (1, Gen.Elements(lo, hi)),
            (9, Gen.OneOf(decades)));
    }

    public static Gen<long> Balances => Spread(1, MaxBalance);

    public static Gen<long> Rates => Gen.Frequency((1, Gen.Constant(0L)), (9, Spread(1, MaxRate)));

    public static Gen<long> PositiveRates => Spread(1, MaxRate);

    public static Gen<long> Intervals => Spread(0, MaxInterval);

    /// <summary>A sub-micro remainder as a settled account may carry it.</summary>
    public static Gen<long> Carries => Gen.Frequency((1, Gen.Elements(0L, Consumption.FinePerUnit - 1)), (4, Between(0, Consumption.FinePerUnit - 1)));

    public static Gen<int?> WarningSeconds =>
        Gen.Frequency((2, Gen.Constant<int?>(null)), (3, Gen.Elements<int?>(0, 1, 60, 3600, 86_400)), (3, Gen.Choose(1, 7 * 86_400).Select(s => (int?)s)));

    /// <summary>Opened at <see cref="T0"/> with a cut-off URL; the rest is set directly, as a settled state may look.</summary>
    public static AccountState Account(long balance, long rate, long carry, int? warningSeconds = null, params Hold[] holds)
    {
        var opened = AccountDecider.Open(null, "acc-1", "EUR", CutoffUrl, warningSeconds, T0).State;
        return opened with
        {
            Balance = new Money(balance),
            Rate = new Rate(rate),
            Carry = carry,
            Holds = holds.ToImmutableSortedDictionary(h => h.HoldId, h => h),
        };
    }

    /// <summary>Micro-units consumed over a span, by the definition: floor((rate x ticks + carry) / 10^13).</summary>
    public static (BigInteger Units, BigInteger Carry) ConsumedOracle(long rate, long carry, BigInteger ticks)
    {
        var fine = rate * ticks + carry;
        return (fine / Consumption.FinePerUnit, fine % Consumption.FinePerUnit);
    }

    /// <summary>The smallest tick count after which <paramref name="available"/> is used up, by the definition.</summary>
    public static BigInteger TicksUntilZeroOracle(long rate, long carry, long available)
    {
        var need = (BigInteger)available * Consumption.FinePerUnit - carry;
        return need <= 0 ? 0 : (need + rate - 1) / rate;
    }

    public static long Scale(long amount, long ppm) => (long)((Int128)amount * ppm / 1_000_000);
}
