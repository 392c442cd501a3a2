using System.Text.Json;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Identity;
using BillingFunctions.Accounts;

namespace BillingFunctions.Tests.Functions;

/// <summary>
/// The account entity's operations, driven directly on a record as the Durable runtime would (one at a time, the
/// record kept between them, and round-tripped through JSON as the runtime stores it). The core does the math; these
/// tests check what the entity keeps, answers and hands out: replays, wakes, event ids, cut-off calls.
/// </summary>
public class AccountEntityTests
{
    private static readonly long T0 = new DateTime(2025, 3, 1, 12, 0, 0, DateTimeKind.Utc).Ticks;
    private static long At(double seconds) => T0 + (long)(seconds * TimeSpan.TicksPerSecond);

    private AccountRecord _record = new();
    private IdempotencyRetention _retention = IdempotencyRetention.Default;

    private Step Do(AccountWrite write, double atSeconds)
    {
        var step = AccountBook.Write(_record, write, At(atSeconds), _retention);
        // The runtime stores the record as JSON between operations; so do these tests.
        _record = JsonSerializer.Deserialize<AccountRecord>(JsonSerializer.Serialize(_record))!;
        return step;
    }

    private static AccountWrite Open(string id = "acc-1", string currency = "USD") =>
        new(WriteKind.Open, id, "open", false, "open", Currency: currency);

    private static AccountWrite Credit(long units, string? operationId = null, string id = "acc-1") =>
        new(WriteKind.Credit, id, operationId ?? "op:" + Guid.NewGuid(), operationId is not null, $"credit:{units}", Amount: units);

    private static AccountWrite Debit(long units, string id = "acc-1") =>
        new(WriteKind.Debit, id, "op:" + Guid.NewGuid(), false, $"debit:{units}", Amount: units);

    private static AccountWrite Rate(long pico, string id = "acc-1") =>
        new(WriteKind.Rate, id, "op:" + Guid.NewGuid(), false, $"rate:{pico}", RatePicoPerSecond: pico);

    private static JsonElement Body(EntityAnswer answer) => JsonDocument.Parse(answer.Body!).RootElement;

    [Fact]
    public void Opening_answers_201_then_200_and_refuses_other_settings()
    {
        var first = Do(Open(), 0);
        Assert.Equal(201, first.Answer.Status);
        Assert.Equal("acc-1", Body(first.Answer).GetProperty("accountId").GetString());
        var created = Assert.IsType<RecordEvents>(Assert.Single(first.Dispatches));
        Assert.Equal(EventTypes.AccountCreated, Assert.Single(created.Batch.Events).Event.Type);
        Assert.Equal("acc-1:1", created.Batch.Events[0].EventId);

        Assert.Equal(200, Do(Open(), 1).Answer.Status);
        Assert.Equal(RejectionKind.AccountExists, Do(Open(currency: "EUR"), 2).Answer.Rejection?.Kind);
    }

    [Fact]
    public void Writes_to_an_unknown_account_are_not_found_and_keep_nothing()
    {
        var step = Do(Credit(5_000_000), 0);
        Assert.Equal(RejectionKind.NotFound, step.Answer.Rejection?.Kind);
        Assert.Empty(step.Dispatches);
        Assert.Null(_record.Account);
    }

    [Fact]
    public void An_operation_id_replays_its_first_answer_and_refuses_a_different_request()
    {
        Do(Open(), 0);
        var first = Do(Credit(5_000_000, "top-1"), 1);
        var again = Do(Credit(5_000_000, "top-1"), 2);
        Assert.False(first.Answer.Replayed);
        Assert.True(again.Answer.Replayed);
        Assert.Equal(first.Answer.Body, again.Answer.Body);
        Assert.Empty(again.Dispatches);
        Assert.Equal(5_000_000, _record.Account!.Balance);

        Assert.Equal(RejectionKind.IdempotencyConflict, Do(Credit(7_000_000, "top-1"), 3).Answer.Rejection?.Kind);
        Assert.Equal(5_000_000, _record.Account!.Balance);
    }

    [Fact]
    public void A_rejected_write_changes_nothing_and_records_no_answer()
    {
        Do(Open(), 0);
        var refused = Do(new AccountWrite(WriteKind.Debit, "acc-1", "d-1", true, "debit:1000000", Amount: 1_000_000), 1);
        Assert.Equal(RejectionKind.InsufficientFunds, refused.Answer.Rejection?.Kind);
        Assert.Empty(refused.Dispatches);
        Assert.Empty(_record.Answers);
        Assert.Equal(1, _record.Account!.Version);
    }

    [Fact]
    public void One_wake_is_armed_and_only_an_earlier_instant_arms_another()
    {
        Do(Open(), 0);
        Do(Credit(10_000_000), 0);
        var rate = Do(Rate(1_000_000_000_000), 0); // 1.0 per second: 10 s of funds
        var armed = Assert.Single(rate.Dispatches.OfType<ArmWake>()).Signal;
        Assert.Equal(At(10), armed.At);

        // A credit moves the zero instant later: the armed wake fires first and re-arms, so nothing new is signalled.
        Assert.Empty(Do(Credit(5_000_000), 1).Dispatches.OfType<ArmWake>());
        Assert.Equal(At(10), _record.WakeAt);

        // A debit moves it earlier than the armed one: a new generation is armed; the old signal becomes stale.
        var earlier = Assert.Single(Do(Debit(12_000_000), 2).Dispatches.OfType<ArmWake>()).Signal;
        Assert.Equal(At(3), earlier.At);
        Assert.Equal(armed.Generation + 1, earlier.Generation);

        var stale = AccountBook.Wake(_record, armed, At(10));
        Assert.Empty(stale.Dispatches);
        Assert.Equal(At(3), _record.WakeAt);
    }

    [Fact]
    public void A_wake_before_its_instant_re_arms_and_at_its_instant_depletes_and_owes_one_cutoff()
    {
        Do(Open(), 0);
        Do(Credit(3_000_000), 0);
        var signal = Assert.Single(Do(Rate(1_000_000_000_000), 0).Dispatches.OfType<ArmWake>()).Signal;

        var early = AccountBook.Wake(_record, signal, signal.At - 1);
        Assert.Equal(signal, Assert.IsType<ArmWake>(Assert.Single(early.Dispatches)).Signal);
        Assert.Equal(AccountStatus.Active, _record.Account!.Status);

        var due = AccountBook.Wake(_record, signal, signal.At + 5);
        var batch = Assert.IsType<RecordEvents>(Assert.Single(due.Dispatches)).Batch;
        var depleted = Assert.Single(batch.Events);
        Assert.Equal(EventTypes.AccountDepleted, depleted.Event.Type);
        Assert.Equal(signal.At, depleted.Event.At); // the true zero instant, not the late arrival
        var cutoff = Assert.Single(batch.Cutoffs);
        Assert.Equal((depleted.EventId, "acc-1", 1), (cutoff.EventId, cutoff.AccountId, cutoff.Episode));
        Assert.Null(_record.WakeAt);

        // The same signal again (a duplicate delivery) does nothing: its generation is no longer armed.
        Assert.Empty(AccountBook.Wake(_record, signal, signal.At + 6).Dispatches);
    }

    [Fact]
    public void Event_ids_follow_the_account_version_without_gaps_or_repeats()
    {
        var ids = new List<string>();
        ids.AddRange(Ids(Do(Open(), 0)));
        ids.AddRange(Ids(Do(Credit(2_000_000), 1)));
        ids.AddRange(Ids(Do(Rate(1_000_000_000_000), 1)));
        ids.AddRange(Ids(AccountBook.Wake(_record, new WakeSignal(_record.WakeAt!.Value, _record.WakeGeneration), At(10))));
        ids.AddRange(Ids(Do(Credit(1_000_000), 11)));
        Assert.Equal(Enumerable.Range(1, ids.Count).Select(i => $"acc-1:{i}"), ids);

        static IEnumerable<string> Ids(Step step) => step.Dispatches.OfType<RecordEvents>().SelectMany(r => r.Batch.Events).Select(e => e.EventId);
    }

    [Fact]
    public void Holds_answer_with_the_hold_named_and_replay_under_their_default_operation_id()
    {
        Do(Open(), 0);
        Do(Credit(10_000_000), 0);
        var hold = new AccountWrite(WriteKind.Hold, "acc-1", "hold:h1", true, "hold:h1:4000000:60", Amount: 4_000_000, HoldId: "h1", ExpiresInSeconds: 60);
        var placed = Do(hold, 1);
        Assert.Equal(201, placed.Answer.Status);
        Assert.Equal("h1", Body(placed.Answer).GetProperty("holdId").GetString());
        Assert.Equal("6", Body(placed.Answer).GetProperty("account").GetProperty("available").GetString());
        Assert.Equal(At(61), Assert.Single(placed.Dispatches.OfType<ArmWake>()).Signal.At); // the expiry

        Assert.True(Do(hold, 2).Answer.Replayed);
        var capture = Do(new AccountWrite(WriteKind.Capture, "acc-1", "hold:h1:capture", true, "capture:h1:1000000", Amount: 1_000_000, HoldId: "h1"), 3);
        Assert.Equal("captured", Body(capture.Answer).GetProperty("status").GetString());
        Assert.Equal(9_000_000, _record.Account!.Balance);
        Assert.Empty(_record.Account.Holds);
    }

    [Fact]
    public void An_answer_replays_byte_for_byte_inside_the_retention_and_after_it_the_id_is_a_new_request()
    {
        const double Day = 24 * 3600;
        Do(Open(), 0);
        var first = Do(Credit(5_000_000, "top-1"), 10);

        var inside = Do(Credit(5_000_000, "top-1"), 10 + Day - 0.001);
        Assert.True(inside.Answer.Replayed);
        Assert.Equal((first.Answer.Status, first.Answer.Body), (inside.Answer.Status, inside.Answer.Body));
        Assert.Equal(5_000_000, _record.Account!.Balance);

        // 24 hours (the default) after it was first answered the id is forgotten: the same request applies again.
        var after = Do(Credit(5_000_000, "top-1"), 10 + Day);
        Assert.False(after.Answer.Replayed);
        Assert.Single(after.Dispatches.OfType<RecordEvents>());
        Assert.Equal(10_000_000, _record.Account!.Balance);
        Assert.Equal(At(10 + Day), _record.Answers["acc-1|top-1"].RecordedAt);
        // The new answer is kept for a window of its own.
        var again = Do(Credit(5_000_000, "top-1"), 10 + 2 * Day - 0.001);
        Assert.True(again.Answer.Replayed);
        Assert.Equal(after.Answer.Body, again.Answer.Body);
    }

    [Fact]
    public void Answers_past_the_retention_are_dropped_and_the_state_stays_one_window_long_however_many_writes()
    {
        _retention = IdempotencyRetention.FromHours(1);
        Do(Open(), 0);
        const int Every = 60; // seconds between writes: 60 writes per hour
        const int Writes = 1500; // 25 hours of writes
        var sizes = new List<int>();
        for (var i = 1; i <= Writes; i++)
        {
            Do(Credit(1_000, $"op-{i}"), i * Every);
            sizes.Add(JsonSerializer.Serialize(_record).Length);
        }

        // Exactly the last hour's answers: one recorded a full hour before the last write has expired.
        var now = At(Writes * Every);
        Assert.Equal(3600 / Every, _record.Answers.Count);
        Assert.All(_record.Answers.Values, a => Assert.True(now - a.RecordedAt < TimeSpan.TicksPerHour));
        Assert.Equal(Enumerable.Range(Writes - 3600 / Every + 1, 3600 / Every).Select(i => $"acc-1|op-{i}").Order(), _record.Answers.Keys.Order());
        // The stored JSON stops growing once the first hour is full; only the digits of the amounts in it still change.
        var full = sizes[3600 / Every];
        Assert.InRange(sizes.Skip(3600 / Every).Max(), full * 0.95, full * 1.05);
        // And each answer costs its id and body plus a little: the body is stored as JSON, not escaped into a string.
        var idsAndBodies = _record.Answers.Sum(a => a.Key.Length + a.Value.Body.Length);
        Assert.InRange(sizes[^1], idsAndBodies, idsAndBodies + 120 * _record.Answers.Count + 1000);
        Assert.Equal(Writes * 1_000L, _record.Account!.Balance);
    }

    [Fact]
    public void Every_operation_drops_expired_answers_even_one_that_keeps_none()
    {
        _retention = IdempotencyRetention.FromHours(1);
        Do(Open(), 0);
        Do(Credit(1_000, "kept"), 1);
        // A write without an operation id keeps no answer, yet still drops what has expired.
        Do(Credit(1_000), 3601);
        Assert.Empty(_record.Answers);
    }
}
