using System.Collections.Immutable;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Holds;
using FsCheck;
using FsCheck.Fluent;
using static BillingFunctions.Tests.Core.CoreGen;
using Outcome = BillingFunctions.Core.Accounts.Outcome;

namespace BillingFunctions.Tests.Core;

/// <summary>
/// Events and Decide agree: for every accepted decision, folding its events with <see cref="AccountDecider.Evolve"/>
/// over the state before it, then letting time run from the last event to the decision instant
/// (<see cref="AccountDecider.SettledTo"/>), gives exactly the state Decide returned. Every field is compared:
/// the balance, episode, status, rate, holds (with their instants and expiries), low-balance warning and version
/// come from the events; the carry, the settlement instant and the unreported consumption come from time, which acts
/// before each event up to its instant and after the last one up to the decision instant. A rejected decision
/// returns the state it was given, with no events.
/// </summary>
public class EvolveProperties
{
    public sealed record HoldSpec(long Ppm, long? ExpiresAfter);

    /// <summary>An account as it may stand at T0 when a history starts; see <see cref="State"/>.</summary>
    public sealed record Start(long Balance, long Rate, long Carry, int? Warning, HoldSpec[] Holds, long Unreported, int Episode,
        long Version, bool Depleted, bool Warned)
    {
        /// <summary>
        /// The state, kept to what a settled account can be: holds within the balance, each expiring after T0; a depleted
        /// account has nothing available, no carry and no warning; a warned one is within its warning time of zero.
        /// </summary>
        public AccountState State()
        {
            var holds = Holds.Select((h, i) => new Hold($"h{i}", new Money(Scale(Balance, h.Ppm) / Math.Max(1, Holds.Length)), T0 - i,
                h.ExpiresAfter is { } after ? T0 + after : null)).Where(h => h.Amount.Units > 0).ToArray();
            var state = Account(Balance, Rate, Carry, Warning, holds) with
            {
                UnreportedConsumption = new Money(Unreported),
                Episode = Episode,
                Version = Version,
            };
            if (Depleted)
                return state with
                {
                    Balance = state.Held, Carry = 0, Status = AccountStatus.Depleted, Episode = Episode + 1,
                };
            var warnable = Warning is { } seconds && AccountDecider.DepletesAt(state) is { } zero
                && zero - state.SettledAt <= seconds * Consumption.TicksPerSecond;
            return state with { LowBalanceWarned = Warned && warnable };
        }

        public override string ToString() =>
            $"Start(balance {Balance}, rate {Rate}, carry {Carry}, warning {Warning?.ToString() ?? "none"}, holds [" +
            string.Join(", ", Holds.Select(h => $"{h.Ppm}ppm exp {h.ExpiresAfter?.ToString() ?? "never"}")) +
            $"], unreported {Unreported}, episode {Episode}, version {Version}, depleted {Depleted}, warned {Warned})";
    }



    internal sealed record Case(Start Start, Step[] Steps)
    {
        public override string ToString() => $"{Start}\n  " + string.Join("\n  ", Steps.Select(s => s.ToString()));
    }

    private static Gen<Start> Starts =>
        from balance in Gen.Frequency((1, Gen.Constant(0L)), (9, Balances))
        from rate in Rates
        from carry in Carries
        from warning in WarningSeconds
        from holdCount in Gen.Choose(0, 3)
        from holds in Gen.ArrayOf(
            from ppm in Gen.Frequency((1, Gen.Elements(0L, 1_000_000L)), (3, Between(0, 1_000_000)))
            from expires in Gen.Frequency((1, Gen.Constant<long?>(null)), (3, Spread(1, MaxInterval).Select(t => (long?)t)))
            select new HoldSpec(ppm, expires), holdCount)
        from unreported in Gen.Frequency((1, Gen.Constant(0L)), (1, Spread(1, MaxBalance)))
        from episode in Gen.Choose(0, 5)
        from version in Gen.Choose(0, 1_000)
        from depleted in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from warned in Gen.Elements(false, true)
        select new Start(balance, rate, carry, warning, holds, unreported, episode, version, depleted, warned);

    private static Gen<Step> Steps => CoreGen.Steps(Gen.Frequency(
        (3, Gen.Constant(Op.Credit)), (3, Gen.Constant(Op.Debit)), (2, Gen.Constant(Op.SetRate)),
        (3, Gen.Constant(Op.PlaceHold)), (2, Gen.Constant(Op.CaptureHold)), (2, Gen.Constant(Op.ReleaseHold)),
        (1, Gen.Constant(Op.TransferOut)), (1, Gen.Constant(Op.TransferIn)), (1, Gen.Constant(Op.PayOrder)),
        (1, Gen.Constant(Op.RejectOrder)), (3, Gen.Constant(Op.Wake))), maxHold: 3);

    private static Gen<Case> Cases =>
        from start in Starts
        from count in Gen.Choose(1, 30)
        from steps in Gen.ArrayOf(Steps, count)
        select new Case(start, steps);

    /// <summary>What the cases reached, so the property cannot pass by never getting anywhere.</summary>
    private sealed class Tally
    {
        public readonly Dictionary<string, int> Events = [];
        public int Accepted, Rejected, Rearmed;
    }

    [Fact]
    public void Folding_a_decisions_events_with_Evolve_gives_the_state_Decide_returned()
    {
        var tally = new Tally();
        Check.One(CoreGen.Cases, Prop.ForAll(Cases.ToArbitrary(), c => Run(c, tally)));

        Assert.True(tally.Accepted > 3_000, $"only {tally.Accepted} decisions accepted");
        Assert.True(tally.Rejected > 500, $"only {tally.Rejected} decisions rejected");
        foreach (var type in EventTypes.All.Where(t => t != EventTypes.AccountCreated))
            Assert.True(tally.Events.GetValueOrDefault(type) > 50, $"only {tally.Events.GetValueOrDefault(type)} {type} events in all cases");
        // A warning re-armed by a change, not by a depletion or a restore: Evolve's own rule was exercised.
        Assert.True(tally.Rearmed > 20, $"only {tally.Rearmed} warnings re-armed");
    }

    [Fact]
    public void Evolving_the_opened_state_with_account_created_gives_the_state_Open_returned()
    {
        Check.One(CoreGen.Cases, Prop.ForAll(WarningSeconds.ToArbitrary(), Spread(0, MaxInterval).ToArbitrary(), (warning, after) =>
        {
            var opened = AccountDecider.Open(null, "acc-1", "EUR", CutoffUrl, warning, T0 + after);
            var created = Assert.IsType<AccountCreated>(Assert.Single(opened.Events));
            var blank = AccountState.Open("acc-1", "EUR", CutoffUrl, warning, T0 + after);
            AssertSameState(opened.State, AccountDecider.Evolve(blank, created), "account.created");
        }));
    }

    private static void Run(Case c, Tally tally)
    {
        var state = c.Start.State();
        var now = state.SettledAt;
        var n = 0;
        foreach (var step in c.Steps)
        {
            now += step.Dt;
            var command = CommandFor(step, state, now, $"op-{++n}");
            var outcome = AccountDecider.Decide(state, command, now);
            if (!outcome.Accepted)
            {
                tally.Rejected++;
                Assert.Same(state, outcome.State);
                Assert.Empty(outcome.Events);
                continue;
            }

            var evolved = outcome.Events.Aggregate(state, AccountDecider.Evolve);
            var expected = AccountDecider.SettledTo(evolved, Math.Max(now, state.SettledAt));
            AssertSameState(outcome.State, expected, $"{command} at {now} on {Describe(state)} emitted\n    "
                + string.Join("\n    ", outcome.Events));

            tally.Accepted++;
            foreach (var e in outcome.Events)
                tally.Events[e.Type] = tally.Events.GetValueOrDefault(e.Type) + 1;
            if (state.LowBalanceWarned && !outcome.State.LowBalanceWarned && !outcome.Events.Any(e => e is AccountDepleted or AccountRestored))
                tally.Rearmed++;
            state = outcome.State;
        }
    }

    private static AccountCommand CommandFor(Step step, AccountState state, long now, string operationId)
    {
        var available = AccountView.At(state, now).Available.Units;
        long Share(long of) => step.Absolute ? step.Amount : Math.Max(1, Scale(of, step.Ppm));
        var holdId = $"h{step.Hold}";
        return step.Op switch
        {
            Op.Credit => new Credit(operationId, new Money(step.Amount)),
            Op.Debit => new Debit(operationId, new Money(Share(available))),
            Op.SetRate => new SetRate(operationId, step.Ppm == 0 ? state.Rate : new Rate(step.Rate)),
            Op.PlaceHold => new PlaceHold(operationId, holdId, new Money(Share(available)), step.ExpiresIn is { } e ? now + e : null),
            Op.CaptureHold => new CaptureHold(operationId, holdId, step.Ppm == 1_000_000 ? null
                : new Money(Share(state.Holds.TryGetValue(holdId, out var h) ? h.Amount.Units : step.Amount))),
            Op.ReleaseHold => new ReleaseHold(operationId, holdId),
            Op.TransferOut => new TransferOut(operationId, "acc-2", new Money(Share(available))),
            Op.TransferIn => new TransferIn(operationId, "acc-2", new Money(step.Amount)),
            Op.PayOrder => new PayOrder($"b-{operationId}", new Money(Share(available))),
            Op.RejectOrder => new RejectOrder($"b-{operationId}", new Money(step.Amount)),
            _ => new Wake(),
        };
    }

    /// <summary>Every field, holds compared by content (the dictionary itself compares by reference).</summary>
    private static void AssertSameState(AccountState decided, AccountState evolved, string context)
    {
        var same = decided with { Holds = AccountState.NoHolds } == evolved with { Holds = AccountState.NoHolds }
            && decided.Holds.Keys.SequenceEqual(evolved.Holds.Keys) && decided.Holds.Values.SequenceEqual(evolved.Holds.Values);
        Assert.True(same, $"Decide and Evolve disagree after {context}\n  decided: {Describe(decided)}\n  evolved: {Describe(evolved)}");
    }

    private static string Describe(AccountState s) =>
        $"{s with { Holds = AccountState.NoHolds }} holds [{string.Join(", ", s.Holds.Values)}]";
}
