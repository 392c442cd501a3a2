using System.Numerics;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Amounts;
using FsCheck;
using FsCheck.Fluent;
using static BillingFunctions.Tests.Core.CoreGen;
using Outcome = BillingFunctions.Core.Accounts.Outcome;

namespace BillingFunctions.Tests.Core;

/// <summary>Properties of the account decider over random accounts and random command sequences.</summary>
public class AccountProperties
{
    public sealed record Funded(long Balance, long Rate, long Carry, long HeldPpm, int? Warning);



    internal sealed record History(int? Warning, Step[] Steps)
    {
        public override string ToString() =>
            $"History(warning {Warning?.ToString() ?? "none"}):\n  " + string.Join("\n  ", Steps.Select(s => s.ToString()));
    }

    private static Gen<Funded> FundedAccounts =>
        from balance in Balances
        from rate in PositiveRates
        from carry in Carries
        from ppm in Gen.Frequency((1, Gen.Constant(0L)), (1, Gen.Constant(999_999L)), (3, Between(0, 999_999)))
        from warning in WarningSeconds
        select new Funded(balance, rate, carry, ppm, warning);

    private static Gen<Step> Steps => CoreGen.Steps(Gen.Frequency(
        (3, Gen.Constant(Op.Credit)), (3, Gen.Constant(Op.Debit)), (2, Gen.Constant(Op.SetRate)),
        (3, Gen.Constant(Op.PlaceHold)), (2, Gen.Constant(Op.CaptureHold)), (2, Gen.Constant(Op.ReleaseHold)),
        (3, Gen.Constant(Op.Wake))), maxHold: 2);

    private static Gen<History> Histories =>
        from warning in WarningSeconds
        from count in Gen.Choose(1, 40)
        from steps in Gen.ArrayOf(Steps, count)
        select new History(warning, steps);

    [Fact]
    public void DepletesAt_is_the_first_instant_with_nothing_available()
    {
        var beyondCalendar = 0;
        Check.One(Cases, Prop.ForAll(FundedAccounts.ToArbitrary(), f =>
        {
            var held = new Hold("h", new Money(Scale(f.Balance, f.HeldPpm)), T0, null);
            var state = Account(f.Balance, f.Rate, f.Carry, f.Warning, held);
            Assert.True(state.Available.Units > 0);

            var zero = AccountDecider.DepletesAt(state);
            var oracle = TicksUntilZeroOracle(f.Rate, f.Carry, state.Available.Units);
            if (oracle > DateTime.MaxValue.Ticks - T0)
            {
                Assert.Null(zero);
                beyondCalendar++;
                return;
            }
            Assert.Equal(T0 + (long)oracle, zero);
            var z = zero!.Value;
            Assert.True(z > T0);

            var justBefore = AccountView.At(state, z - 1);
            Assert.Equal(AccountStatus.Active, justBefore.Status);
            Assert.True(justBefore.Available.Units > 0, $"nothing left one tick before {z}");
            Assert.Equal(z, justBefore.DepletesAt);

            var atZero = AccountView.At(state, z);
            Assert.Equal(AccountStatus.Depleted, atZero.Status);
            Assert.Equal(Money.Zero, atZero.Available);
            Assert.Equal(held.Amount, atZero.Balance);
            Assert.Null(atZero.DepletesAt);

            var wake = AccountDecider.Decide(state, new Wake(), z);
            var depleted = Assert.Single(wake.Events, e => e.Type == EventTypes.AccountDepleted);
            Assert.Equal(z, depleted.At);
            Assert.Equal(1, depleted.Episode);
            var cutoff = Assert.Single(wake.Effects.OfType<CallCutoff>());
            Assert.Same(depleted, wake.Events[cutoff.EventIndex]);
        }));
        // Most generated accounts must run dry within the calendar (about a fifth do not); guard against a drift into vacuity.
        Assert.InRange(beyondCalendar, 0, Cases.MaxTest / 2);
    }

    /// <summary>What the random histories actually reached, so the property cannot pass by never getting anywhere.</summary>
    private sealed class Tally
    {
        public readonly Dictionary<string, int> Events = [];
        public readonly Dictionary<RejectionKind, int> Rejections = [];
        public int Accepted;

        public int this[string type] => Events.GetValueOrDefault(type);
    }

    [Fact]
    public void Random_histories_never_go_negative_and_conserve_money()
    {
        var tally = new Tally();
        Check.One(Cases, Prop.ForAll(Histories.ToArbitrary(), history => Run(history, tally)));

        Assert.True(tally.Accepted > 2_000, $"only {tally.Accepted} commands accepted");
        foreach (var type in new[] { EventTypes.AccountDepleted, EventTypes.AccountRestored, EventTypes.HoldExpired,
                     EventTypes.HoldCaptured, EventTypes.HoldReleased, EventTypes.LowBalance })
            Assert.True(tally[type] > 50, $"only {tally[type]} {type} events in all histories");
        foreach (var kind in new[] { RejectionKind.InsufficientFunds, RejectionKind.NotFound, RejectionKind.Validation, RejectionKind.HoldState })
            Assert.True(tally.Rejections.GetValueOrDefault(kind) > 20, $"only {tally.Rejections.GetValueOrDefault(kind)} {kind} rejections");
    }

    private static void Run(History history, Tally tally)
    {
        var opened = AccountDecider.Open(null, "acc-1", "EUR", CutoffUrl, history.Warning, T0);
        var state = opened.State;
        var ledger = new List<AccountEvent>(opened.Events);
        long credited = 0, debited = 0;
        var now = T0;
        var n = 0;

        foreach (var step in history.Steps)
        {
            now += step.Dt;
            var operationId = $"op-{++n}";
            var current = AccountView.At(state, now);
            long Share(long of) => step.Absolute ? step.Amount : Math.Max(1, Scale(of, step.Ppm));
            AccountCommand command = step.Op switch
            {
                Op.Credit => new Credit(operationId, new Money(step.Amount)),
                Op.Debit => new Debit(operationId, new Money(Share(current.Available.Units))),
                Op.SetRate => new SetRate(operationId, new Rate(step.Rate)),
                Op.PlaceHold => new PlaceHold(operationId, $"h{step.Hold}", new Money(Share(current.Available.Units)),
                    step.ExpiresIn is { } e ? now + e : null),
                Op.CaptureHold => new CaptureHold(operationId, $"h{step.Hold}", step.Ppm == 1_000_000 ? null
                    : new Money(Share(state.Holds.TryGetValue($"h{step.Hold}", out var h) ? h.Amount.Units : step.Amount))),
                Op.ReleaseHold => new ReleaseHold(operationId, $"h{step.Hold}"),
                _ => new Wake(),
            };

            var outcome = AccountDecider.Decide(state, command, now);
            if (!outcome.Accepted)
            {
                tally.Rejections[outcome.Rejection!.Kind] = tally.Rejections.GetValueOrDefault(outcome.Rejection.Kind) + 1;
                Assert.Same(state, outcome.State);
                Assert.Empty(outcome.Events);
                Assert.Empty(outcome.Effects);
                continue;
            }

            switch (command)
            {
                case Credit c: credited += c.Amount.Units; break;
                case Debit d: debited += d.Amount.Units; break;
                case CaptureHold c: debited += (c.Amount ?? state.Holds[c.HoldId].Amount).Units; break;
            }
            AssertStep(state, outcome, now);
            ledger.AddRange(outcome.Events);
            tally.Accepted++;
            foreach (var e in outcome.Events)
                tally.Events[e.Type] = tally[e.Type] + 1;
            state = outcome.State;

            var consumed = ledger.Sum(e => e.Consumed) + state.UnreportedConsumption.Units;
            Assert.True(credited - debited - consumed == state.Balance.Units,
                $"credits {credited} - debits {debited} - consumption {consumed} != balance {state.Balance.Units} after {command}");
        }

        AssertLedger(ledger, state);
    }

    private static void AssertStep(AccountState before, Outcome outcome, long now)
    {
        var after = outcome.State;
        Assert.True(after.Balance.Units >= 0, $"balance {after.Balance}");
        Assert.True(after.Available.Units >= 0, $"available {after.Available}");
        Assert.True(after.Held <= after.Balance, $"held {after.Held} > balance {after.Balance}");
        Assert.Equal(Math.Max(now, before.SettledAt), after.SettledAt);
        Assert.Equal(before.Version + outcome.Events.Count, after.Version);
        Assert.InRange(after.Carry, 0, Consumption.FinePerUnit - 1);

        if (after.Status == AccountStatus.Depleted)
            Assert.Equal(Money.Zero, after.Available);
        else if (!after.Rate.IsZero)
            Assert.True(after.Available.Units > 0, "an active account with a rate has nothing available: it should be depleted");

        var wakes = outcome.Effects.OfType<ScheduleWake>().Select(w => w.At).ToList();
        var expected = AccountDecider.NextWake(after) is { } next ? new List<long> { next } : new List<long>();
        Assert.Equal(expected, wakes);
        Assert.All(wakes, w => Assert.True(w > after.SettledAt, $"wake at {w} is not after {after.SettledAt}"));

        var cutoffs = outcome.Effects.OfType<CallCutoff>().ToList();
        Assert.Equal(outcome.Events.Count(e => e.Type == EventTypes.AccountDepleted), cutoffs.Count);
        Assert.All(cutoffs, c =>
        {
            Assert.Equal(CutoffUrl, c.Url);
            Assert.Equal(EventTypes.AccountDepleted, outcome.Events[c.EventIndex].Type);
        });
        Assert.All(outcome.Events, e => Assert.InRange(e.At, before.SettledAt, after.SettledAt));
    }

    private static void AssertLedger(List<AccountEvent> ledger, AccountState final)
    {
        for (var i = 0; i < ledger.Count; i++)
        {
            var e = ledger[i];
            Assert.True(e.BalanceBefore + e.Delta == e.BalanceAfter, $"event {i} {e}: before + delta != after");
            Assert.True(e.HeldAfter <= e.BalanceAfter, $"event {i} {e}: held above balance");
            Assert.True(e.Consumed >= 0, $"event {i} {e}: negative consumption");
            if (i == 0)
                continue;
            var previous = ledger[i - 1];
            Assert.True(previous.BalanceAfter - e.Consumed == e.BalanceBefore,
                $"events {i - 1} and {i} do not reconcile:\n  {previous}\n  {e}");
            Assert.True(previous.At <= e.At, $"event {i} goes back in time");
        }

        // One cut-off per episode: depletions and restores alternate, each depletion opening the next episode.
        var episodes = ledger.Where(e => e.Type is EventTypes.AccountDepleted or EventTypes.AccountRestored).ToList();
        for (var i = 0; i < episodes.Count; i++)
        {
            Assert.Equal(i % 2 == 0 ? EventTypes.AccountDepleted : EventTypes.AccountRestored, episodes[i].Type);
            Assert.Equal(i / 2 + 1, episodes[i].Episode);
        }
        Assert.Equal(ledger.Count(e => e.Type == EventTypes.AccountDepleted), final.Episode);
        Assert.Equal(final.Status == AccountStatus.Depleted, episodes.Count % 2 == 1);
    }

    [Fact]
    public void Consumption_never_exceeds_what_the_rate_allows()
    {
        // Over any history, an account never pays more than rate x elapsed time (plus its starting carry).
        Check.One(Cases, Prop.ForAll(Histories.ToArbitrary(), history =>
        {
            var state = AccountDecider.Open(null, "acc-1", "EUR", CutoffUrl, history.Warning, T0).State
                with { Balance = new Money(MaxBalance), Rate = new Rate(0) };
            var now = T0;
            BigInteger allowedFine = 0;
            long consumed = 0;
            foreach (var step in history.Steps)
            {
                now += Math.Max(0, step.Dt);
                var outcome = AccountDecider.Decide(state, new SetRate($"r{now}", new Rate(step.Rate)), now);
                allowedFine += (BigInteger)state.Rate.PicoPerSecond * (now - state.SettledAt);
                consumed += outcome.Events.Sum(e => e.Consumed) + outcome.State.UnreportedConsumption.Units - state.UnreportedConsumption.Units;
                state = outcome.State;
            }
            Assert.True(consumed <= allowedFine / Consumption.FinePerUnit, $"consumed {consumed} > allowed {allowedFine / Consumption.FinePerUnit}");
            if (state.Status == AccountStatus.Active)
                Assert.Equal(allowedFine / Consumption.FinePerUnit, (BigInteger)consumed);
        }));
    }
}
