using System.Collections.Immutable;
using BillingFunctions.Contract;
using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Holds;
using BillingFunctions.Core.Orders;
using BillingFunctions.Server.Queues;
using BillingFunctions.Server.Storage;
using BillingFunctions.Server.Storage.Log;
using FsCheck;
using FsCheck.Fluent;
using static BillingFunctions.Tests.Core.CoreGen;

namespace BillingFunctions.Tests.Storage;

/// <summary>
/// The commit log's record format over generated batches: every kind of row, every field at its extremes (the largest
/// and smallest integers, absent optional values, empty and non-ASCII text). A restart rebuilds SQLite from these records
/// alone, so a field that does not come back exactly is a write lost or changed in a crash.
/// </summary>
public sealed class BatchCodecProperties
{
    [Fact]
    public void A_batch_decodes_to_exactly_the_rows_it_was_encoded_from()
    {
        var writer = new RecordWriter();
        Check.One(Cases.WithMaxTest(300), Prop.ForAll(Batches.ToArbitrary(), batch =>
        {
            var record = BatchCodec.Encode(batch, writer).ToArray();
            var decoded = BatchCodec.Decode(record);

            Assert.Equal(WithoutHolds(batch.Accounts.Values), WithoutHolds(decoded.Accounts.Values));
            Assert.Equal(batch.Accounts.Values.SelectMany(a => a.Holds.Values), decoded.Accounts.Values.SelectMany(a => a.Holds.Values));
            Assert.Equal(batch.Holds, decoded.Holds);
            Assert.Equal(batch.Events, decoded.Events);
            Assert.Equal(batch.IdempotencyRecords, decoded.IdempotencyRecords);
            Assert.Equal(batch.Deliveries, decoded.Deliveries);
            Assert.Equal(batch.Baskets.Values, decoded.Baskets.Values);
            Assert.Equal(batch.QueueChanges, decoded.QueueChanges);
            Assert.Equal(batch.Notifications, decoded.Notifications);
        }));
    }

    [Fact]
    public void A_record_cut_short_is_refused_as_malformed_never_read_as_a_smaller_batch()
    {
        var writer = new RecordWriter();
        Check.One(Cases.WithMaxTest(200), Prop.ForAll(Batches.ToArbitrary(), Gen.Choose(0, 1_000_000).ToArbitrary(), (batch, cut) =>
        {
            var record = BatchCodec.Encode(batch, writer).ToArray();
            var shorter = record[..(cut % record.Length)];
            Assert.Throws<FormatException>(() => BatchCodec.Decode(shorter));
        }));
    }

    /// <summary>The accounts with their holds left out: the state's sorted map compares by reference, so holds are compared on their own.</summary>
    private static List<AccountState> WithoutHolds(IEnumerable<AccountState> accounts) =>
        accounts.Select(a => a with { Holds = AccountState.NoHolds }).ToList();

    private static Gen<CommitBatch> Batches =>
        from accounts in UpTo(4, Accounts)
        from holds in UpTo(4, Gen.Zip(Texts, Holds))
        from events in UpTo(6, Gen.Zip(Texts, Events))
        from answers in UpTo(4, Answers)
        from deliveries in UpTo(3, Deliveries)
        from baskets in UpTo(3, Baskets)
        from changes in UpTo(6, QueueChanges)
        from notifications in UpTo(3, Notifications)
        select Batch(accounts, holds, events, answers, deliveries, baskets, changes, notifications);

    private static Gen<List<T>> UpTo<T>(int most, Gen<T> items) =>
        Gen.Choose(0, most).SelectMany(count => Gen.ListOf(items, count)).Select(list => list.ToList());

    private static CommitBatch Batch(IEnumerable<AccountState> accounts, IEnumerable<(string, Hold)> holds,
        IEnumerable<(string, AccountEvent)> events, IEnumerable<IdempotencyRecord> answers, IEnumerable<CutoffDelivery> deliveries,
        IEnumerable<Basket> baskets, IEnumerable<QueueChange> changes, IEnumerable<Notification> notifications)
    {
        var batch = new CommitBatch();
        foreach (var account in accounts)
            batch.Accounts[account.AccountId] = account;
        batch.Holds.AddRange(holds);
        batch.Events.AddRange(events);
        batch.IdempotencyRecords.AddRange(answers);
        batch.Deliveries.AddRange(deliveries);
        foreach (var basket in baskets)
            batch.Baskets[basket.BasketId] = basket;
        batch.QueueChanges.AddRange(changes);
        batch.Notifications.AddRange(notifications);
        return batch;
    }

    /// <summary>Empty, id-like, and any Unicode text (letters beyond the BMP as surrogate pairs), up to a few kilobytes.</summary>
    private static Gen<string> Texts => Gen.Frequency(
        (1, Gen.Constant("")),
        (4, Gen.Choose(1, 40).SelectMany(n => Gen.ArrayOf(Gen.Elements("abcXYZ019-_.:@".ToCharArray()), n)).Select(c => new string(c))),
        (2, Gen.Choose(1, 30).SelectMany(n => Gen.ArrayOf(Scalars, n)).Select(s => string.Concat(s))),
        (1, Gen.Choose(300, 3000).Select(n => new string('é', n))));

    /// <summary>Any Unicode scalar value as a string: one char, or a surrogate pair above U+FFFF.</summary>
    private static Gen<string> Scalars => Gen.Frequency(
        (3, Gen.Choose(0, 0xD7FF)),
        (1, Gen.Choose(0xE000, 0xFFFF)),
        (2, Gen.Choose(0x10000, 0x10FFFF))).Select(char.ConvertFromUtf32);

    private static Gen<string?> OptionalTexts => Gen.Frequency((1, Gen.Constant<string?>(null)), (2, Texts.Select(t => (string?)t)));

    private static Gen<long> Longs => Gen.Frequency(
        (1, Gen.Elements(long.MinValue, long.MinValue + 1, -1L, 0L, 1L, long.MaxValue - 1, long.MaxValue)),
        (3, Between(long.MinValue / 2, long.MaxValue / 2)));

    private static Gen<long?> OptionalLongs => Gen.Frequency((1, Gen.Constant<long?>(null)), (2, Longs.Select(l => (long?)l)));

    private static Gen<int> Ints => Gen.Frequency(
        (1, Gen.Elements(int.MinValue, -1, 0, 1, int.MaxValue)),
        (3, Gen.Choose(-1_000_000, 1_000_000)));

    private static Gen<int?> OptionalInts => Gen.Frequency((1, Gen.Constant<int?>(null)), (2, Ints.Select(i => (int?)i)));

    private static Gen<T> EnumValues<T>() where T : struct, Enum => Gen.Elements(Enum.GetValues<T>());

    private static Gen<Hold> Holds =>
        from id in Texts
        from amount in Longs
        from placed in Longs
        from expires in OptionalLongs
        from status in EnumValues<HoldStatus>()
        from captured in Longs
        select new Hold(id, new Money(amount), placed, expires, status, new Money(captured));

    private static Gen<AccountState> Accounts =>
        from id in Texts
        from currency in Texts
        from url in OptionalTexts
        from warning in OptionalInts
        from amounts in Gen.ArrayOf(Longs, 6)
        from status in EnumValues<AccountStatus>()
        from episode in Ints
        from warned in Gen.Elements(true, false)
        from holds in UpTo(3, Holds)
        select new AccountState(id, currency, url, warning, new Money(amounts[0]), new Rate(amounts[1]), amounts[2], amounts[3],
            status, episode, warned, new Money(amounts[4]),
            holds.DistinctBy(h => h.HoldId).ToImmutableSortedDictionary(h => h.HoldId, h => h, StringComparer.Ordinal), amounts[5]);

    /// <summary>Any type, built through the same map the stores use, with every detail field offered (each type keeps its own).</summary>
    private static Gen<AccountEvent> Events =>
        from type in Gen.Elements(EventTypes.All.ToArray())
        from accountId in Texts
        from operationId in OptionalTexts
        from amounts in Gen.ArrayOf(Longs, 7)
        from episode in Ints
        from holdId in Texts
        from counterparty in Texts
        from rate in Longs
        from expiresAt in OptionalLongs
        let entry = new LedgerEntry(accountId, amounts[0], operationId, amounts[1], amounts[2], amounts[3], amounts[4], amounts[5], amounts[6], episode)
        select EventCodec.Create(type, entry, new EventDetails(holdId, counterparty, rate, expiresAt));

    private static Gen<IdempotencyRecord> Answers =>
        from key in Texts
        from fingerprint in Texts
        from status in Ints
        from body in Texts
        from at in Longs
        select new IdempotencyRecord(key, fingerprint, status, body, at);

    private static Gen<CutoffDelivery> Deliveries =>
        from texts in Gen.ArrayOf(Texts, 3)
        from episode in Ints
        from instants in Gen.ArrayOf(Longs, 3)
        from status in EnumValues<DeliveryStatus>()
        from attempts in Ints
        from error in OptionalTexts
        from deliveredAt in OptionalLongs
        select new CutoffDelivery(texts[0], texts[1], texts[2], episode, instants[0], instants[1], status, attempts, instants[2], error, deliveredAt);

    private static Gen<Basket> Baskets =>
        from id in Texts
        from accountId in Texts
        from opened in Longs
        from status in EnumValues<OrderStatus>()
        from attempt in Ints
        from amount in Longs
        from decided in OptionalLongs
        from reason in OptionalTexts
        select new Basket(id, accountId, opened, status, attempt, new Money(amount), decided, reason);

    /// <summary>The stored fields only: <c>Sequence</c> is SQLite's, given when the row is inserted, so the log does not carry it.</summary>
    private static Gen<Notification> Notifications =>
        from texts in Gen.ArrayOf(Texts, 4)
        from attempt in Ints
        from amount in Longs
        from reason in OptionalTexts
        from at in Longs
        from recorded in Longs
        select new Notification(texts[0], texts[1], texts[2], attempt, texts[3], amount, reason, at, recorded);

    private static Gen<QueueMessage> Messages =>
        from queue in Texts
        from sequence in Longs
        from id in Texts
        from body in Texts
        from at in Longs
        from count in Ints
        select new QueueMessage(queue, sequence, id, body, at, count);

    private static Gen<QueueChange> QueueChanges => Gen.OneOf(
        Messages.Select(m => (QueueChange)new MessageEnqueued(m)),
        from queue in Texts from sequence in Longs from count in Ints select (QueueChange)new DeliveryCounted(queue, sequence, count),
        from queue in Texts from sequence in Longs select (QueueChange)new MessageCompleted(queue, sequence),
        from message in Messages from reason in Texts from description in OptionalTexts from at in Longs
        select (QueueChange)new MessageDeadLettered(new DeadLetter(message, reason, description, at)),
        from sequence in Longs from message in Messages select (QueueChange)new DeadLetterResubmitted(sequence, message),
        from queue in Texts from before in Longs select (QueueChange)new MessageIdsExpired(queue, before));
}
