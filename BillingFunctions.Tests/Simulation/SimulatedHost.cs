using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Transfers;

namespace BillingFunctions.Tests.Simulation;

/// <summary>
/// A host for the core, as small as the real one is in the parts that matter: it keeps each account's state,
/// keeps a new state only when the decision emitted events (as the engine does), remembers accepted operation
/// ids and replays them, and holds every wake it was asked to schedule so the driver can fire them in any
/// order, late, early or twice. After every decision the shadow ledger checks the invariants.
/// </summary>
internal sealed class SimulatedHost(Action<string> fail)
{
    public Dictionary<string, AccountState> States { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, ShadowAccount> Shadows { get; } = new(StringComparer.Ordinal);
    /// <summary>Wakes asked for and not fired yet, per account; stale ones stay, as they would in a real timer queue.</summary>
    public Dictionary<string, List<long>> Wakes { get; } = new(StringComparer.Ordinal);
    public long Decisions { get; private set; }
    public long Rejections { get; private set; }
    public long Replays { get; private set; }

    private readonly Dictionary<string, (string Fingerprint, string Answer)> _idempotency = new(StringComparer.Ordinal);
    private long _balances;

    public void Open(string accountId, string currency, long now)
    {
        var outcome = AccountDecider.Open(null, accountId, currency, "https://platform.example/cutoff", null, now);
        Shadows[accountId] = new ShadowAccount(accountId, currency, outcome.State.SettledAt);
        Keep(States.GetValueOrDefault(accountId), outcome, now);
    }

    /// <summary>
    /// One command with the host's idempotency in front of it: a remembered id with the same request answers
    /// what it answered then and decides nothing; with another request it is a conflict. Rejections are not
    /// remembered (nothing happened), exactly as in the engine.
    /// </summary>
    public string Execute(string accountId, AccountCommand command, string key, string fingerprint, long now)
    {
        if (Remembered(key, fingerprint) is { } answer)
            return answer;
        var state = States[accountId];
        var outcome = AccountDecider.Decide(state, command, now);
        Decisions++;
        if (outcome.Rejection is { } rejection)
            return Rejected(state, outcome, rejection);
        if (command is PlaceHold place)
            CheckPlacement(state, outcome, place);
        Keep(state, outcome, now);
        if (command is PlaceHold placed)
            Shadows[accountId].ExpectExpiry(placed.HoldId, placed.ExpiresAt, fail);
        return Remember(key, fingerprint, $"{accountId}:{outcome.State.Balance.Units}:{outcome.State.Version}");
    }

    public string Transfer(string from, string to, string transferId, Money amount, long now)
    {
        var key = $"transfer|{transferId}";
        var fingerprint = $"{from}>{to}:{amount.Units}";
        if (Remembered(key, fingerprint) is { } answer)
            return answer;
        var (source, target) = (States[from], States[to]);
        var outcome = TransferDecider.Decide(source, target, transferId, amount, now);
        Decisions++;
        if (outcome.Rejection is { } rejection)
        {
            if (source.Currency != target.Currency && rejection.Kind != RejectionKind.CurrencyMismatch)
                fail($"a transfer between {source.Currency} and {target.Currency} was refused as {rejection.Kind}, not a currency mismatch");
            Rejected(source, outcome.From, rejection);
            return Rejected(target, outcome.To, rejection);
        }
        if (source.Currency != target.Currency)
            fail($"a transfer between {source.Currency} and {target.Currency} was accepted");
        var sent = outcome.From.Events.Single(e => e.Type == EventTypes.TransferCompleted);
        var received = outcome.To.Events.Single(e => e.Type == EventTypes.TransferCompleted);
        if (sent.Delta != -amount.Units || received.Delta != amount.Units || sent.At != received.At)
            fail($"transfer {transferId}: sides {sent.Delta} at {sent.At} and {received.Delta} at {received.At} do not mirror {amount.Units}");
        var instant = Math.Max(now, Math.Max(source.SettledAt, target.SettledAt)); // both sides at one instant
        Keep(source, outcome.From, instant);
        Keep(target, outcome.To, instant);
        return Remember(key, fingerprint, $"{from}:{outcome.From.State.Balance.Units}|{to}:{outcome.To.State.Balance.Units}");
    }

    /// <summary>A timer fires. Any instant is legal: the decider must do only what is due by then.</summary>
    public void Wake(string accountId, long now)
    {
        var state = States[accountId];
        var outcome = AccountDecider.Decide(state, new Wake(), now);
        Decisions++;
        var due = AccountDecider.NextWake(state);
        if (outcome.Events.Count > 0 && (due is null || due > Math.Max(now, state.SettledAt)))
            fail($"a wake at {now} for {accountId} emitted {outcome.Events[0].Type} though nothing was due before {due}");
        Keep(state, outcome, now);
    }

    /// <summary>Money in minus money out minus consumption equals the sum of balances, over every account.</summary>
    public void CheckConservation()
    {
        long inflow = 0, outflow = 0, consumed = 0, balances = 0;
        foreach (var (id, shadow) in Shadows)
        {
            inflow += shadow.In;
            outflow += shadow.Out;
            consumed += shadow.Consumed + States[id].UnreportedConsumption.Units;
            balances += States[id].Balance.Units;
        }
        if (inflow - outflow - consumed != balances || balances != _balances)
            fail($"money not conserved: in {inflow} - out {outflow} - consumed {consumed} = {inflow - outflow - consumed}, balances sum to {balances} (running {_balances})");
    }

    private string? Remembered(string key, string fingerprint)
    {
        if (!_idempotency.TryGetValue(key, out var stored))
            return null;
        Replays++;
        return stored.Fingerprint == fingerprint ? stored.Answer : "conflict";
    }

    private string Remember(string key, string fingerprint, string answer)
    {
        _idempotency[key] = (fingerprint, answer);
        return answer;
    }

    private string Rejected(AccountState state, Outcome outcome, Rejection rejection)
    {
        Rejections++;
        if (!ReferenceEquals(outcome.State, state) || outcome.Events.Count > 0 || outcome.Effects.Count > 0)
            fail($"a rejected command ({rejection.Kind}: {rejection.Detail}) changed state, emitted events or asked for effects");
        return rejection.Kind.ToString();
    }

    private void CheckPlacement(AccountState before, Outcome outcome, PlaceHold place)
    {
        var placed = outcome.Events.Single(e => e.Type == EventTypes.HoldPlaced);
        var availableBefore = placed.BalanceAfter - (placed.HeldAfter - place.Amount.Units);
        if (place.Amount.Units > availableBefore)
            fail($"hold {place.HoldId} of {place.Amount.Units} placed with only {availableBefore} available (before: {before.Available.Units})");
    }

    /// <summary>Takes an accepted outcome the way the engine does, then checks the account against its shadow.</summary>
    private void Keep(AccountState? before, Outcome outcome, long now)
    {
        var state = outcome.State;
        var shadow = Shadows[state.AccountId];
        var decidedAt = Math.Max(now, before?.SettledAt ?? now);
        foreach (var effect in outcome.Effects)
            if (effect is ScheduleWake wake)
                Schedule(state.AccountId, wake.At);
        if (outcome.Events.Count == 0)
            return; // settling consumption alone is not stored, as in the engine

        foreach (var e in outcome.Events)
            shadow.Apply(e, decidedAt, fail);
        var cutoffs = outcome.Effects.OfType<CallCutoff>().ToList();
        var depletions = outcome.Events.Count(e => e.Type == EventTypes.AccountDepleted);
        if (cutoffs.Count != depletions || cutoffs.Any(c => outcome.Events[c.EventIndex].Type != EventTypes.AccountDepleted))
            fail($"{depletions} depletions but {cutoffs.Count} cut-off calls asked for");
        shadow.CutoffCalls += cutoffs.Count;

        _balances += state.Balance.Units - (before?.Balance.Units ?? 0);
        States[state.AccountId] = state;
        CheckAccount(state, shadow);
    }

    private void CheckAccount(AccountState state, ShadowAccount shadow)
    {
        var id = state.AccountId;
        var consumed = shadow.Consumed + state.UnreportedConsumption.Units;
        if (state.Balance.Units != shadow.In - shadow.Out - consumed)
            fail($"{id}: balance {state.Balance.Units} != in {shadow.In} - out {shadow.Out} - consumed {consumed}");
        if (state.Balance.Units < 0 || state.Available.Units < 0)
            fail($"{id}: negative balance {state.Balance.Units} or available {state.Available.Units}");
        if (state.Held.Units != shadow.HeldUnits || state.Available.Units != state.Balance.Units - shadow.HeldUnits
            || !state.Holds.Keys.ToHashSet().SetEquals(shadow.Holds.Keys))
            fail($"{id}: available {state.Available.Units}, held {state.Held.Units} (holds {string.Join(",", state.Holds.Keys)}) "
                + $"but balance - placed-and-unresolved holds is {state.Balance.Units - shadow.HeldUnits} ({string.Join(",", shadow.Holds.Keys)})");
        if ((state.Status == AccountStatus.Active) != shadow.Active || state.Episode != shadow.Depletions || shadow.CutoffCalls != shadow.Depletions)
            fail($"{id}: status {state.Status}, episode {state.Episode}, but {shadow.Depletions} depletions and {shadow.CutoffCalls} cut-off calls");
        if (state.Rate.PicoPerSecond != shadow.Rate)
            fail($"{id}: rate {state.Rate} but the last rate change set {shadow.Rate}");
        if (shadow.Active)
        {
            var fine = shadow.FineAt(state.SettledAt);
            var settled = shadow.StretchConsumed + state.UnreportedConsumption.Units;
            if ((Int128)settled * Consumption.FinePerUnit + state.Carry != fine)
                fail($"{id}: {settled} consumed + carry {state.Carry} != rate x time {fine} in fine units (drift)");
        }
        CheckDepletesAt(state);
        CheckWakeScheduled(state);
    }

    /// <summary>depletesAt is the first tick at which consumption covers what is available: one tick earlier it does not.</summary>
    private void CheckDepletesAt(AccountState state)
    {
        var zero = AccountDecider.DepletesAt(state);
        var rate = state.Rate.PicoPerSecond;
        if (state.Status == AccountStatus.Depleted || rate == 0)
        {
            if (zero is not null)
                fail($"{state.AccountId}: depletesAt {zero} on a {state.Status} account at rate {rate}");
            return;
        }
        var available = (Int128)state.Available.Units;
        if (available == 0)
            fail($"{state.AccountId}: active at rate {rate} with nothing available: the depletion was missed");
        if (zero is not { } z)
            return; // beyond the calendar
        Int128 Units(long ticks) => ((Int128)rate * ticks + state.Carry) / Consumption.FinePerUnit;
        if (z <= state.SettledAt || Units(z - state.SettledAt) < available || Units(z - state.SettledAt - 1) >= available)
            fail($"{state.AccountId}: depletesAt {z} is not the first tick where {available} is used up (settled {state.SettledAt}, rate {rate}, carry {state.Carry})");
    }

    /// <summary>The host holds a wake no later than the next instant anything is due, so nothing due is ever missed.</summary>
    private void CheckWakeScheduled(AccountState state)
    {
        if (AccountDecider.NextWake(state) is not { } next)
            return;
        if (!Wakes.TryGetValue(state.AccountId, out var wakes) || !wakes.Any(at => at <= next))
            fail($"{state.AccountId}: next due at {next} but no wake scheduled by then");
    }

    /// <summary>Keeps the earliest few per account: an early (stale) wake re-arms the real one when it fires.</summary>
    private void Schedule(string accountId, long at)
    {
        if (!Wakes.TryGetValue(accountId, out var wakes))
            Wakes[accountId] = wakes = [];
        wakes.Add(at);
        if (wakes.Count > MaxWakesPerAccount)
        {
            wakes.Sort();
            wakes.RemoveAt(wakes.Count - 1);
        }
    }

    private const int MaxWakesPerAccount = 6;
}
