using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Holds;

namespace BillingFunctions.Contract.Writes;

/// <summary>
/// What one write step produced: the answer for the caller, the change to store (null when nothing changed) and the
/// answer to keep for the operation id (null when the write had none, or was replayed or refused).
/// </summary>
public sealed record StepResult(WriteResult Answer, AccountChange? Change, IdempotencyRecord? Remember)
{
    public static StepResult Refused(Rejection rejection) => new(new Refused(rejection), null, null);
}

/// <summary>
/// The one application step both hosts run for a write to one account: replay check, then the core's decision, then
/// the change to store and the rendered answer. The host supplies the account as it holds it and the answers it keeps;
/// it stores what comes back (the server in its group commit, the Azure app in the account entity).
/// </summary>
public static class AccountStep
{
    /// <param name="state">The account as the host holds it; null if there is none.</param>
    /// <param name="findAnswer">The unexpired answer the host keeps under an idempotency key, or null.</param>
    /// <param name="findResolvedHold">
    /// A hold that is no longer active (captured, released, expired), from the host's history, so that acting on it again
    /// is told apart from naming a hold that never existed; null where the host keeps no such history.
    /// </param>
    public static StepResult Write(AccountState? state, AccountWrite write, long now, Func<string, IdempotencyRecord?> findAnswer,
        Func<string, Hold?>? findResolvedHold = null)
    {
        if (write.Kind == WriteKind.Open)
            return Open(state, write, now);
        var key = write.Remember ? IdempotencyKeys.Operation(write.AccountId, write.OperationId) : null;
        if (key is not null && findAnswer(key) is { } stored)
            return new StepResult(IdempotencyKeys.Replay(stored, write.Fingerprint), null, null);
        if (state is null)
            return StepResult.Refused(UnknownAccount(write.AccountId));

        var outcome = AccountDecider.Decide(state, Command(write, now), now);
        if (outcome.Rejection is { } rejection)
            return StepResult.Refused(Explain(rejection, write.HoldId, findResolvedHold));
        var answer = Render(write, state, outcome);
        var remember = key is null ? null : new IdempotencyRecord(key, write.Fingerprint, answer.Status, answer.Body, now);
        return new StepResult(new Written(answer.Status, answer.Body, false), AccountChange.Of(state, outcome), remember);
    }

    public static Rejection UnknownAccount(string accountId) => new(RejectionKind.NotFound, $"No account '{accountId}'.");

    /// <summary>Opens the account (201), or answers with it as of now when it exists with the same settings (200).</summary>
    private static StepResult Open(AccountState? existing, AccountWrite write, long now)
    {
        var outcome = AccountDecider.Open(existing, write.AccountId, write.Currency!, write.CutoffUrl, write.LowBalanceWarningSeconds, now);
        if (outcome.Rejection is { } rejection)
            return StepResult.Refused(rejection);
        if (existing is not null)
        {
            var current = Representations.Render(200, Representations.Account(AccountView.At(existing, now)));
            return new StepResult(new Written(current.Status, current.Body, false), null, null);
        }
        var created = Representations.Render(201, Representations.Account(AccountView.Of(outcome.State)));
        // The state before the account.created event: its version 0 makes that event the account's first.
        var before = AccountState.Open(write.AccountId, write.Currency!, write.CutoffUrl, write.LowBalanceWarningSeconds, now);
        return new StepResult(new Written(created.Status, created.Body, false), AccountChange.Of(before, outcome), null);
    }

    private static AccountCommand Command(AccountWrite write, long now) => write.Kind switch
    {
        WriteKind.Credit => new Credit(write.OperationId, new Money(write.Amount!.Value)),
        WriteKind.Debit => new Debit(write.OperationId, new Money(write.Amount!.Value)),
        WriteKind.Rate => new SetRate(write.OperationId, new Rate(write.RatePicoPerSecond!.Value)),
        WriteKind.Hold => new PlaceHold(write.OperationId, write.HoldId!, new Money(write.Amount!.Value),
            checked(now + TimeSpan.FromSeconds(write.ExpiresInSeconds!.Value).Ticks)),
        WriteKind.Capture => new CaptureHold(write.OperationId, write.HoldId!, write.Amount is { } amount ? new Money(amount) : null),
        WriteKind.Release => new ReleaseHold(write.OperationId, write.HoldId!),
        _ => throw new ArgumentOutOfRangeException(nameof(write), write.Kind, "Not an account command."),
    };

    /// <summary>
    /// The account as of the write, or, for a hold write, the hold the request named with the account. Other holds may
    /// have expired in the same decision (their instant passed just before this request), so it picks the named one.
    /// </summary>
    private static Rendered Render(AccountWrite write, AccountState before, Outcome outcome)
    {
        var account = Representations.Account(AccountView.Of(outcome.State));
        if (write.HoldId is null)
            return Representations.Render(200, account);
        var hold = HoldChanges.Of(before, outcome).Last(h => h.HoldId == write.HoldId);
        return Representations.Render(write.Kind == WriteKind.Hold ? 201 : 200, Representations.Hold(before.AccountId, hold, account));
    }

    /// <summary>The decider knows only active holds; the host's history tells "already captured" apart from "never existed".</summary>
    private static Rejection Explain(Rejection rejection, string? holdId, Func<string, Hold?>? findResolvedHold)
    {
        if (rejection.Kind != RejectionKind.NotFound || holdId is null || findResolvedHold?.Invoke(holdId) is not { } hold)
            return rejection;
        return new Rejection(RejectionKind.HoldState, $"Hold '{holdId}' is already {hold.Status.ToString().ToLowerInvariant()}.");
    }
}
