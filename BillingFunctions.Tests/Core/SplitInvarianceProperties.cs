using System.Numerics;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Amounts;
using FsCheck;
using FsCheck.Fluent;
using static BillingFunctions.Tests.Core.CoreGen;

namespace BillingFunctions.Tests.Core;

/// <summary>Consumption over an interval equals the sum over any split of it: no rounding drift, ever.</summary>
public class SplitInvarianceProperties
{
    public sealed record Pieces(long Rate, long Carry, long[] Spans)
    {
        public override string ToString() => $"Pieces(rate {Rate}, carry {Carry}, spans [{string.Join(", ", Spans)}])";
    }

    public sealed record HoldSpec(long Ppm, long? ExpiresAfter);

    /// <summary>An account settled at T0, settled again at <c>Cuts</c> (offsets, ascending) and finally at <c>Span</c>.</summary>
    public sealed record SettleCase(long Balance, long Rate, long Carry, int? Warning, HoldSpec[] Holds, long Span, long[] Cuts)
    {
        public AccountState Start()
        {
            // Holds split at most the whole balance between them; a share that rounds to nothing is no hold.
            var holds = Holds.Select((h, i) => new Hold($"h{i}", new Money(Scale(Balance, h.Ppm) / Math.Max(1, Holds.Length)), T0,
                h.ExpiresAfter is { } after ? T0 + after : null)).Where(h => h.Amount.Units > 0).ToArray();
            return Account(Balance, Rate, Carry, Warning, holds);
        }

        public override string ToString() =>
            $"SettleCase(balance {Balance}, rate {Rate}, carry {Carry}, warning {Warning?.ToString() ?? "none"}, " +
            $"holds [{string.Join(", ", Holds.Select(h => $"{h.Ppm}ppm exp {h.ExpiresAfter?.ToString() ?? "never"}"))}], " +
            $"span {Span}, cuts [{string.Join(", ", Cuts)}])";
    }

    private static Gen<Pieces> PiecesGen =>
        from rate in Rates
        from carry in Carries
        from k in Gen.Choose(1, 8)
        from spans in Gen.ArrayOf(Spread(0, MaxInterval / k), k)
        select new Pieces(rate, carry, spans);

    private static Gen<long[]> CutsWithin(long span) =>
        from k in Gen.Choose(1, 7)
        from cuts in Gen.ArrayOf(Gen.Frequency((1, Gen.Elements(0L, span)), (6, Between(0, span))), k)
        select cuts.Order().ToArray();

    private static Gen<SettleCase> SettleCases(bool withHolds) =>
        from balance in Balances
        from rate in Rates
        from carry in Carries
        from warning in WarningSeconds
        from span in Spread(1, MaxInterval)
        from holdCount in withHolds ? Gen.Choose(0, 3) : Gen.Constant(0)
        from holds in Gen.ArrayOf(
            from ppm in Gen.Frequency((1, Gen.Elements(0L, 1_000_000L)), (3, Between(0, 1_000_000)))
            from expires in Gen.Frequency((1, Gen.Constant<long?>(null)), (3, Between(1, span).Select(t => (long?)t)))
            select new HoldSpec(ppm, expires), holdCount)
        from cuts in CutsWithin(span)
        select new SettleCase(balance, rate, carry, warning, holds, span, cuts);

    [Fact]
    public void Consumption_over_an_interval_equals_the_sum_over_its_pieces()
    {
        Check.One(Cases, Prop.ForAll(PiecesGen.ToArbitrary(), p =>
        {
            var (whole, wholeCarry) = Consumption.Over(new Rate(p.Rate), p.Carry, p.Spans.Sum());

            long sum = 0, carry = p.Carry;
            foreach (var span in p.Spans)
            {
                var (units, next) = Consumption.Over(new Rate(p.Rate), carry, span);
                Assert.InRange(units, 0, long.MaxValue);
                Assert.InRange(next, 0, Consumption.FinePerUnit - 1);
                sum += units;
                carry = next;
            }

            Assert.Equal(whole, sum);
            Assert.Equal(wholeCarry, carry);
            var (oracleUnits, oracleCarry) = ConsumedOracle(p.Rate, p.Carry, p.Spans.Sum());
            Assert.Equal(oracleUnits, (BigInteger)whole);
            Assert.Equal(oracleCarry, (BigInteger)wholeCarry);
        }));
    }

    [Fact]
    public void Settling_in_one_wake_or_in_many_gives_the_same_account()
    {
        Check.One(Cases, Prop.ForAll(SettleCases(withHolds: false).ToArbitrary(), c =>
        {
            var (once, onceEvents) = SettleInOne(c);
            var (split, splitEvents) = SettleInPieces(c);

            AssertSameAccount(once, split);
            Assert.Equal(Consumed(onceEvents, once), Consumed(splitEvents, split));
            // Without holds nothing but time moves the account, so even the ledger is identical.
            Assert.Equal(onceEvents, splitEvents);
        }));
    }

    [Fact]
    public void Settling_in_one_wake_or_in_many_gives_the_same_account_with_expiring_holds()
    {
        // Expiries, warnings and depletions interleave in many ways; this one is cheap, so it gets more cases.
        Check.One(Cases.WithMaxTest(2_000), Prop.ForAll(SettleCases(withHolds: true).ToArbitrary(), c =>
        {
            var (once, onceEvents) = SettleInOne(c);
            var (split, splitEvents) = SettleInPieces(c);

            AssertSameAccount(once, split);
            Assert.Equal(once.Holds.Keys, split.Holds.Keys);
            Assert.Equal(Consumed(onceEvents, once), Consumed(splitEvents, split));
            // Depletions, restores, expiries and warnings happen at the same instants, whatever the split.
            Assert.Equal(onceEvents, splitEvents);
        }));
    }

    private static (AccountState State, List<AccountEvent> Events) SettleInOne(SettleCase c)
    {
        var outcome = AccountDecider.Decide(c.Start(), new Wake(), T0 + c.Span);
        Assert.True(outcome.Accepted);
        return (outcome.State, outcome.Events.ToList());
    }

    private static (AccountState State, List<AccountEvent> Events) SettleInPieces(SettleCase c)
    {
        var state = c.Start();
        var events = new List<AccountEvent>();
        foreach (var at in c.Cuts.Append(c.Span))
        {
            var outcome = AccountDecider.Decide(state, new Wake(), T0 + at);
            Assert.True(outcome.Accepted);
            state = outcome.State;
            events.AddRange(outcome.Events);
        }
        return (state, events);
    }

    private static void AssertSameAccount(AccountState once, AccountState split)
    {
        Assert.Equal(once.Balance, split.Balance);
        Assert.Equal(once.Carry, split.Carry);
        Assert.Equal(once.Status, split.Status);
        Assert.Equal(once.Episode, split.Episode);
        Assert.Equal(once.SettledAt, split.SettledAt);
        Assert.Equal(once.Held, split.Held);
        Assert.Equal(AccountDecider.DepletesAt(once), AccountDecider.DepletesAt(split));
    }

    /// <summary>All consumption taken so far: reported on events plus what is still unreported on the state.</summary>
    private static long Consumed(IEnumerable<AccountEvent> events, AccountState state) =>
        events.Sum(e => e.Consumed) + state.UnreportedConsumption.Units;
}
