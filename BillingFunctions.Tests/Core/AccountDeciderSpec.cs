using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

/// <summary>
/// Given an account, when a command arrives at an instant, then these events (or this rejection).
/// One partial file per command; this one holds the vocabulary. Instants are whole seconds after <see cref="T0"/>.
/// </summary>
public partial class AccountDeciderSpec
{
    private const string CutoffUrl = "https://platform.example/cutoff";
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;

    private AccountState _given = Opened();
    private Outcome? _result;

    private static long At(long seconds) => T0 + seconds * TimeSpan.TicksPerSecond;

    private static Money Amount(string text) =>
        Money.TryParsePositive(text, out var money, out var error) ? money : throw new ArgumentException(error, nameof(text));

    private static long Units(string text) => Amount(text).Units;

    private static Rate PerSecond(string text) =>
        Rate.TryParse(text, out var rate, out var error) ? rate : throw new ArgumentException(error, nameof(text));

    private static AccountState Opened(int? lowBalanceWarningSeconds = null, string? cutoffUrl = CutoffUrl, string currency = "EUR", string accountId = "acc-1") =>
        AccountDecider.Open(null, accountId, currency, cutoffUrl, lowBalanceWarningSeconds, T0).State;

    /// <summary>Opened, credited and charging at <paramref name="rate"/> per second, all at T0.</summary>
    private static AccountState Funded(string balance, string rate, int? lowBalanceWarningSeconds = null, string accountId = "acc-1", string currency = "EUR")
    {
        var state = Opened(lowBalanceWarningSeconds, accountId: accountId, currency: currency);
        state = Apply(state, new Credit("fund", Amount(balance)), T0);
        return Apply(state, new SetRate("rate", PerSecond(rate)), T0);
    }

    private static AccountState Apply(AccountState state, AccountCommand command, long at)
    {
        var outcome = AccountDecider.Decide(state, command, at);
        Assert.True(outcome.Accepted, $"setup step {command} was rejected: {outcome.Rejection}");
        return outcome.State;
    }

    private void Given(AccountState state) => _given = state;

    /// <summary>Applies a history on top of the current given state; every step must be accepted.</summary>
    private void Given(params (AccountCommand Command, long At)[] history)
    {
        foreach (var (command, at) in history)
            _given = Apply(_given, command, at);
    }

    private Outcome When(AccountCommand command, long at) => _result = AccountDecider.Decide(_given, command, at);

    private Outcome Result => _result ?? throw new InvalidOperationException("When(...) has not run.");

    private AccountState State => Result.State;

    /// <summary>The command was accepted and emitted exactly these events, in this order.</summary>
    private void Then(params string[] eventTypes)
    {
        Assert.Null(Result.Rejection);
        Assert.Equal(eventTypes, Result.Events.Select(e => e.Type));
        Assert.Equal(_given.Version + eventTypes.Length, State.Version);
    }

    /// <summary>The command was refused and nothing about the account changed: same state, no events, no effects.</summary>
    private void ThenRejected(RejectionKind kind)
    {
        Assert.Equal(kind, Result.Rejection?.Kind);
        Assert.False(Result.Accepted);
        Assert.Same(_given, State);
        Assert.Empty(Result.Events);
        Assert.Empty(Result.Effects);
    }

    private AccountEvent Event(string type) => Assert.Single(Result.Events, e => e.Type == type);

    private T Event<T>() where T : AccountEvent => Assert.IsType<T>(Assert.Single(Result.Events, e => e is T));

    private long? ScheduledWake => Assert.Single(Result.Effects.OfType<ScheduleWake>().Select(w => (long?)w.At).DefaultIfEmpty());

    private List<CallCutoff> Cutoffs => Result.Effects.OfType<CallCutoff>().ToList();

    private void ThenCutoffFor(AccountEvent depleted)
    {
        var cutoff = Assert.Single(Cutoffs);
        Assert.Equal(CutoffUrl, cutoff.Url);
        Assert.Same(depleted, Result.Events[cutoff.EventIndex]);
    }
}
