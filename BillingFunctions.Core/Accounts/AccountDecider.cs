using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Core.Accounts;

/// <summary>
/// The account decider: <c>Decide(state, command, now)</c> returns the new state, its events and the
/// effects the host must carry out. Pure: time comes in as <c>now</c> (ticks), nothing is read from outside.
/// Every decision first brings the account up to <c>now</c> in time order (warnings, depletion, hold
/// expiries), then applies the command, then re-checks: a change can restore the account or deplete it at once.
/// <c>Evolve(state, event)</c> (AccountDecider.Evolve.cs) applies one event; it and Decide share the settlement by time.
/// </summary>
public static partial class AccountDecider
{
    /// <summary>Opens an account, or confirms it exists with the same settings.</summary>
    public static Outcome Open(AccountState? existing, string accountId, string currency, string? cutoffUrl, int? lowBalanceWarningSeconds, long now)
    {
        if (existing is not null)
        {
            var same = existing.Currency == currency && existing.CutoffUrl == cutoffUrl
                && existing.LowBalanceWarningSeconds == lowBalanceWarningSeconds;
            return same
                ? new Outcome(existing, [], [], null)
                : new Outcome(existing, [], [], new Rejection(RejectionKind.AccountExists,
                    $"Account '{accountId}' already exists with different settings."));
        }
        var decision = new Decision(AccountState.Open(accountId, currency, cutoffUrl, lowBalanceWarningSeconds, now), now);
        decision.Emit(new AccountCreated(decision.Entry(null, 0, 0, 0)));
        return decision.Finish();
    }

    public static Outcome Decide(AccountState state, AccountCommand command, long now)
    {
        var decision = new Decision(state, Math.Max(now, state.SettledAt));
        decision.AdvanceToNow();
        var rejection = NonPositiveAmount(command) ?? command switch
        {
            Credit c => decision.Credit(c.OperationId, c.Amount, entry => new AccountCredited(entry)),
            Debit d => decision.Debit(d.OperationId, d.Amount, entry => new AccountDebited(entry)),
            SetRate r => decision.SetRate(r),
            PlaceHold h => decision.PlaceHold(h),
            CaptureHold c => decision.CaptureHold(c),
            ReleaseHold r => decision.ReleaseHold(r),
            TransferOut t => decision.Debit(t.OperationId, t.Amount, entry => new TransferCompleted(entry, t.To)),
            TransferIn t => decision.Credit(t.OperationId, t.Amount, entry => new TransferCompleted(entry, t.From)),
            PayOrder o => decision.Debit(o.BasketId, o.Amount, entry => new OrderPaid(entry)),
            RejectOrder o => decision.RecordRejectedOrder(o),
            Wake => null,
            _ => throw new ArgumentOutOfRangeException(nameof(command), command, "Unknown command."),
        };
        if (rejection is not null)
            return new Outcome(state, [], [], rejection);
        decision.AfterChange();
        return decision.Finish();
    }

    /// <summary>Amounts are positive by construction at the edge; the core checks again because every host calls it.</summary>
    private static Rejection? NonPositiveAmount(AccountCommand command)
    {
        var amount = command switch
        {
            Credit c => c.Amount,
            Debit d => d.Amount,
            PlaceHold h => h.Amount,
            CaptureHold { Amount: { } captured } => captured,
            TransferOut t => t.Amount,
            TransferIn t => t.Amount,
            PayOrder o => o.Amount,
            RejectOrder o => o.Amount,
            _ => (Money?)null,
        };
        return amount is { Units: <= 0 } ? new Rejection(RejectionKind.Validation, "Amounts must be greater than zero.") : null;
    }

    /// <summary>The earliest instant available funds reach zero at the current rate; null if they never do.</summary>
    public static long? DepletesAt(AccountState state)
    {
        if (state.Status == AccountStatus.Depleted)
            return null;
        var ticks = Consumption.TicksUntilZero(state.Rate, state.Carry, state.Available.Units, DateTime.MaxValue.Ticks - state.SettledAt);
        return ticks is null ? null : state.SettledAt + ticks;
    }

    /// <summary>When the low-balance warning is due, if it still has to be given in this episode.</summary>
    public static long? WarnsAt(AccountState state)
    {
        if (state.LowBalanceWarningSeconds is not { } seconds || state.LowBalanceWarned || DepletesAt(state) is not { } zero)
            return null;
        return Math.Max(state.SettledAt, zero - seconds * Consumption.TicksPerSecond);
    }

    /// <summary>The next instant anything happens to the account by itself: warning, depletion or hold expiry.</summary>
    public static long? NextWake(AccountState state)
    {
        long? next = Earliest(DepletesAt(state), WarnsAt(state));
        foreach (var hold in state.Holds.Values)
            next = Earliest(next, hold.ExpiresAt);
        return next;
    }

    private static long? Earliest(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);

    /// <summary>One decision in progress: the state so far and the events emitted on the way.</summary>
    private sealed class Decision(AccountState state, long now)
    {
        private readonly List<AccountEvent> _events = [];
        private readonly List<Effect> _effects = [];

        public AccountState State { get; private set; } = state;

        public void AdvanceToNow()
        {
            while (true)
            {
                var expiring = EarliestDueHold();
                var horizon = expiring?.ExpiresAt ?? now;
                var zero = DepletesAt(State);
                var warning = WarnsAt(State);

                if (warning is { } w && w <= horizon && (zero is null || w < zero))
                {
                    Settle(w);
                    State = State with { LowBalanceWarned = true };
                    Emit(new LowBalanceWarning(Entry(null, 0, 0, State.Balance.Units)));
                }
                // A hold expiring at the very zero tick frees its money at that instant: funds never ran out.
                else if (zero is { } z && (z < horizon || (z == horizon && expiring is null)))
                {
                    Settle(z);
                    Deplete();
                }
                else
                {
                    Settle(horizon);
                    if (expiring is null)
                        return;
                    State = State with { Holds = State.Holds.Remove(expiring.HoldId) };
                    Emit(new HoldExpired(Entry($"hold:{expiring.HoldId}:expiry", expiring.Amount.Units, 0, State.Balance.Units), expiring.HoldId));
                    RestoreIfFunded();
                    RearmWarningIfClear();
                }
            }
        }

        public void AfterChange()
        {
            RestoreIfFunded();
            RearmWarningIfClear();
            AdvanceToNow();
        }

        public Rejection? Credit(string operationId, Money amount, Func<LedgerEntry, AccountEvent> recorded)
        {
            if (amount > Money.Max - State.Balance)
                return new Rejection(RejectionKind.Validation, $"The balance would exceed the maximum of {Money.Max}.");
            var before = State.Balance.Units;
            State = State with { Balance = State.Balance + amount };
            Emit(recorded(Entry(operationId, amount.Units, amount.Units, before)));
            return null;
        }

        public Rejection? Debit(string operationId, Money amount, Func<LedgerEntry, AccountEvent> recorded)
        {
            if (amount > State.Available)
                return InsufficientFunds(amount);
            var before = State.Balance.Units;
            State = State with { Balance = State.Balance - amount };
            Emit(recorded(Entry(operationId, amount.Units, -amount.Units, before)));
            return null;
        }

        public Rejection? RecordRejectedOrder(RejectOrder command)
        {
            Emit(new OrderRejected(Entry(command.BasketId, command.Amount.Units, 0, State.Balance.Units)));
            return null;
        }

        public Rejection? SetRate(SetRate command)
        {
            if (command.Rate == State.Rate)
                return null;
            State = State with { Rate = command.Rate };
            Emit(new RateChanged(Entry(command.OperationId, 0, 0, State.Balance.Units), command.Rate.PicoPerSecond));
            return null;
        }

        public Rejection? PlaceHold(PlaceHold command)
        {
            if (State.Holds.ContainsKey(command.HoldId))
                return new Rejection(RejectionKind.HoldState, $"Hold '{command.HoldId}' is already active.");
            if (command.ExpiresAt is { } expires && expires <= now)
                return new Rejection(RejectionKind.Validation, "The hold would expire immediately.");
            if (command.Amount > State.Available)
                return InsufficientFunds(command.Amount);
            var hold = new Hold(command.HoldId, command.Amount, now, command.ExpiresAt);
            State = State with { Holds = State.Holds.Add(hold.HoldId, hold) };
            Emit(new HoldPlaced(Entry(command.OperationId, hold.Amount.Units, 0, State.Balance.Units), hold.HoldId, hold.ExpiresAt));
            return null;
        }

        public Rejection? CaptureHold(CaptureHold command)
        {
            if (!State.Holds.TryGetValue(command.HoldId, out var hold))
                return HoldNotActive(command.HoldId);
            var amount = command.Amount ?? hold.Amount;
            if (amount > hold.Amount)
                return new Rejection(RejectionKind.Validation, $"Cannot capture {amount}: the hold is for {hold.Amount}.");
            var before = State.Balance.Units;
            State = State with { Balance = State.Balance - amount, Holds = State.Holds.Remove(hold.HoldId) };
            Emit(new HoldCaptured(Entry(command.OperationId, amount.Units, -amount.Units, before), hold.HoldId));
            return null;
        }

        public Rejection? ReleaseHold(ReleaseHold command)
        {
            if (!State.Holds.TryGetValue(command.HoldId, out var hold))
                return HoldNotActive(command.HoldId);
            State = State with { Holds = State.Holds.Remove(hold.HoldId) };
            Emit(new HoldReleased(Entry(command.OperationId, hold.Amount.Units, 0, State.Balance.Units), hold.HoldId));
            return null;
        }

        /// <summary>The ledger entry of an event that happens now, to the state as it is after the event.</summary>
        public LedgerEntry Entry(string? operationId, long amount, long delta, long balanceBefore) =>
            new(State.AccountId, State.SettledAt, operationId, amount, delta, State.UnreportedConsumption.Units, balanceBefore,
                State.Balance.Units, State.Held.Units, State.Episode);

        /// <summary>Records an event: the consumption it reports is no longer unreported, and the account has one version more.</summary>
        public void Emit(AccountEvent e)
        {
            _events.Add(e);
            State = State with { UnreportedConsumption = Money.Zero, Version = State.Version + 1 };
        }

        public Outcome Finish()
        {
            if (NextWake(State) is { } wake)
                _effects.Add(new ScheduleWake(wake));
            return new Outcome(State, _events, _effects, null);
        }

        private void Settle(long to) => State = SettledTo(State, to);

        private void Deplete()
        {
            // Consumption stops at zero: whatever fraction of a micro-unit was running is not charged. The approach to
            // zero this warning belonged to is over: a restored account may warn again.
            State = State with { Status = AccountStatus.Depleted, Carry = 0, Episode = State.Episode + 1, LowBalanceWarned = false };
            Emit(new AccountDepleted(Entry(null, 0, 0, State.Balance.Units)));
            _effects.Add(new CallCutoff(State.CutoffUrl, _events.Count - 1));
        }

        private void RearmWarningIfClear() => State = WarningRearmedIfClear(State);

        private void RestoreIfFunded()
        {
            if (State.Status != AccountStatus.Depleted || State.Available.Units <= 0)
                return;
            State = State with { Status = AccountStatus.Active, LowBalanceWarned = false };
            Emit(new AccountRestored(Entry(null, 0, 0, State.Balance.Units)));
        }

        private Hold? EarliestDueHold()
        {
            Hold? earliest = null;
            foreach (var hold in State.Holds.Values)
                if (hold.IsDueToExpire(now) && (earliest is null || hold.ExpiresAt < earliest.ExpiresAt))
                    earliest = hold;
            return earliest;
        }

        private Rejection InsufficientFunds(Money amount) =>
            new(RejectionKind.InsufficientFunds, $"Needs {amount} but only {State.Available} is available on '{State.AccountId}'.");

        private static Rejection HoldNotActive(string holdId) =>
            new(RejectionKind.NotFound, $"No active hold '{holdId}'.");
    }
}
