using System.Threading.Channels;
using BillingFunctions.Server.Engine;
using BillingFunctions.Server.Storage;

namespace BillingFunctions.Server.Queues;

/// <summary>
/// A durable queue with Service Bus semantics, the local stand-in for one: at-least-once delivery under a lock that
/// expires, a delivery count kept on disk, dead-lettering after <c>MaxDeliveryCount</c>, and duplicate detection by
/// message id within a window. Every change is a write through the engine, committed with everything else; memory
/// (the ready list, the locks) learns of it only after the commit.
/// </summary>
public sealed class DurableQueue : IDisposable
{
    private readonly BillingEngine _engine;
    private readonly SqliteStore _store;
    private readonly TimeProvider _clock;
    private readonly QueueOptions _options;
    private readonly object _gate = new();
    private readonly Dictionary<long, QueueMessage> _messages = [];
    private readonly Dictionary<long, Guid> _locks = [];
    private readonly HashSet<long> _settling = [];
    private readonly Channel<long> _ready = Channel.CreateUnbounded<long>();
    private readonly Dictionary<string, long> _recentIds = new(StringComparer.Ordinal);
    private readonly Queue<(string MessageId, long EnqueuedAt)> _recentOrder = new();
    private readonly DueQueue<(long Sequence, Guid Token)> _lockExpiry;
    private long _lastSequence;
    private long _deadLettered, _enqueued, _duplicates, _deliveries, _redeliveries, _completed, _lockExpirations, _resubmitted;

    internal DurableQueue(string name, BillingEngine engine, SqliteStore store, TimeProvider clock, QueueOptions options)
    {
        Name = name;
        _engine = engine;
        _store = store;
        _clock = clock;
        _options = options;
        _lockExpiry = new DueQueue<(long, Guid)>($"queue-locks-{name}", clock, Expire);
        var (messages, recentIds, deadLetters, lastSequence) = store.LoadQueue(name, clock.GetUtcNow().UtcTicks - Window);
        foreach (var message in messages)
        {
            _messages[message.Sequence] = message;
            _ready.Writer.TryWrite(message.Sequence);
        }
        foreach (var (id, at) in recentIds)
            Remember(id, at);
        _deadLettered = deadLetters;
        _lastSequence = lastSequence;
    }

    public string Name { get; }

    private long Window => _options.DuplicateDetectionWindowSeconds * TimeSpan.TicksPerSecond;

    private long LockDuration => _options.LockDurationSeconds * TimeSpan.TicksPerSecond;

    /// <summary>
    /// Adds a message to a write in progress (writer thread). False if its id was enqueued within the duplicate
    /// window, in which case nothing is added: the earlier message stands.
    /// </summary>
    internal bool Enqueue(UnitOfWork work, string messageId, string body, long now)
    {
        lock (_gate)
        {
            if (_recentIds.TryGetValue(messageId, out var at) && at > now - Window || work.NoteEnqueued(Name, messageId))
            {
                _duplicates++;
                return false;
            }
        }
        var message = new QueueMessage(Name, ++_lastSequence, messageId, body, now, 0);
        work.Change(new MessageEnqueued(message));
        if (message.Sequence % 1024 == 0)
            work.Change(new MessageIdsExpired(Name, now - Window));
        work.OnCommitted(() =>
        {
            lock (_gate)
            {
                _messages[message.Sequence] = message;
                Remember(messageId, now);
                _enqueued++;
            }
            _ready.Writer.TryWrite(message.Sequence);
        });
        return true;
    }

    /// <summary>
    /// Sends a message in a commit of its own, as a producer outside the order flow would (another service, an
    /// operator re-driving a dead letter). False if it was dropped as a duplicate.
    /// </summary>
    public Task<bool> SendAsync(string messageId, string body) => _engine.Confirm(new SendRequest(this, messageId, body));

    /// <summary>
    /// Puts a dead letter back on the queue as a fresh message: the same id and body, a new sequence, a delivery count
    /// of 0, committed together with the dead letter's removal. The duplicate window does not apply, because an
    /// operator asked for this message again (Service Bus has no broker-side re-drive; a tool re-sends a copy, which
    /// duplicate detection drops inside the window if it keeps its id). Null if the queue has no such dead letter,
    /// for instance because it was resubmitted already.
    /// </summary>
    public Task<QueueMessage?> ResubmitAsync(long deadLetterSequence) =>
        _engine.Confirm(new ResubmitRequest(this, deadLetterSequence));

    private QueueMessage? Resubmit(UnitOfWork work, long deadLetterSequence, long now)
    {
        if (work.NoteResubmitted(Name, deadLetterSequence) || _store.FindDeadLetter(Name, deadLetterSequence) is not { } letter)
            return null;
        var message = letter.Message with { Sequence = ++_lastSequence, EnqueuedAt = now, DeliveryCount = 0 };
        work.Change(new DeadLetterResubmitted(deadLetterSequence, message));
        work.OnCommitted(() =>
        {
            lock (_gate)
            {
                _messages[message.Sequence] = message;
                Remember(message.MessageId, now);
                _deadLettered--;
                _resubmitted++;
            }
            _ready.Writer.TryWrite(message.Sequence);
        });
        return message;
    }

    /// <summary>
    /// Waits for a message and locks it for this consumer. Its delivery count is on disk before it is handed out,
    /// so a message that crashes the process still reaches the dead letters. One past its limit, it goes there instead.
    /// </summary>
    public async Task<QueueDelivery> ReceiveAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var sequence = await _ready.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            QueueMessage message;
            var token = Guid.NewGuid();
            lock (_gate)
            {
                if (!_messages.TryGetValue(sequence, out message!) || _locks.ContainsKey(sequence))
                    continue; // settled meanwhile, or a stale entry for a message someone holds
                _locks[sequence] = token;
            }
            if (message.DeliveryCount >= _options.MaxDeliveryCount)
            {
                await Settle(sequence, token, new MessageDeadLettered(new DeadLetter(message, "MaxDeliveryCountExceeded",
                    $"Delivered {message.DeliveryCount} times without being completed.", Now()))).ConfigureAwait(false);
                continue;
            }

            var counted = message with { DeliveryCount = message.DeliveryCount + 1 };
            try
            {
                await _engine.Confirm(new QueueWrite(new DeliveryCounted(Name, sequence, counted.DeliveryCount))).ConfigureAwait(false);
            }
            catch (StorageUnavailableException)
            {
                Release(sequence, token);
                throw;
            }
            var lockedUntil = Now() + LockDuration;
            lock (_gate)
            {
                _messages[sequence] = counted;
                _deliveries++;
                if (counted.DeliveryCount > 1)
                    _redeliveries++;
            }
            _lockExpiry.Schedule((sequence, token), lockedUntil);
            return new QueueDelivery(counted, token, lockedUntil);
        }
    }

    /// <summary>Removes a handled message. False if the lock was lost (expired): the message will be delivered again.</summary>
    public Task<bool> CompleteAsync(QueueDelivery delivery) =>
        SettleHeld(delivery, new MessageCompleted(Name, delivery.Message.Sequence));

    /// <summary>Moves a message that can never be handled to the dead letters, with the reason. False if the lock was lost.</summary>
    public Task<bool> DeadLetterAsync(QueueDelivery delivery, string reason, string? description) =>
        SettleHeld(delivery, new MessageDeadLettered(new DeadLetter(delivery.Message, reason, description, Now())));

    /// <summary>Gives a message back for another delivery (its count already went up). False if the lock was lost.</summary>
    public bool Abandon(QueueDelivery delivery) => Release(delivery.Message.Sequence, delivery.LockToken);

    public QueueStats Stats()
    {
        lock (_gate)
            return new QueueStats(Name, _messages.Count, _locks.Count, _deadLettered, _enqueued, _duplicates, _deliveries,
                _redeliveries, _completed, _lockExpirations, _resubmitted);
    }

    public void Dispose() => _lockExpiry.Dispose();

    private async Task<bool> SettleHeld(QueueDelivery delivery, QueueChange change)
    {
        var sequence = delivery.Message.Sequence;
        lock (_gate)
        {
            if (!_locks.TryGetValue(sequence, out var token) || token != delivery.LockToken || !_settling.Add(sequence))
                return false;
        }
        await Settle(sequence, delivery.LockToken, change).ConfigureAwait(false);
        return true;
    }

    /// <summary>Writes the message's removal; until the commit the lock stays, so no one else is handed it.</summary>
    private async Task Settle(long sequence, Guid token, QueueChange change)
    {
        lock (_gate)
            _settling.Add(sequence);
        try
        {
            await _engine.Confirm(new QueueWrite(change, () =>
            {
                lock (_gate)
                {
                    _messages.Remove(sequence);
                    _locks.Remove(sequence);
                    _settling.Remove(sequence);
                    if (change is MessageCompleted)
                        _completed++;
                    else
                        _deadLettered++;
                }
            })).ConfigureAwait(false);
        }
        catch
        {
            lock (_gate)
                _settling.Remove(sequence);
            Release(sequence, token);
            throw;
        }
    }

    private bool Release(long sequence, Guid token)
    {
        lock (_gate)
        {
            if (!_locks.TryGetValue(sequence, out var held) || held != token || _settling.Contains(sequence))
                return false;
            _locks.Remove(sequence);
        }
        _ready.Writer.TryWrite(sequence);
        return true;
    }

    private void Expire((long Sequence, Guid Token) expired)
    {
        if (!Release(expired.Sequence, expired.Token))
            return;
        lock (_gate)
            _lockExpirations++;
    }

    /// <summary>Keeps ids within the window in memory, dropping the oldest as they age out.</summary>
    private void Remember(string messageId, long at)
    {
        _recentIds[messageId] = at;
        _recentOrder.Enqueue((messageId, at));
        while (_recentOrder.TryPeek(out var oldest) && oldest.EnqueuedAt <= at - Window)
        {
            _recentOrder.Dequeue();
            if (_recentIds.TryGetValue(oldest.MessageId, out var latest) && latest == oldest.EnqueuedAt)
                _recentIds.Remove(oldest.MessageId);
        }
    }

    private long Now() => _clock.GetUtcNow().UtcTicks;

    private sealed class SendRequest(DurableQueue queue, string messageId, string body) : ConfirmedRequest<bool>
    {
        public override void Apply(UnitOfWork work, long now) => Decided(queue.Enqueue(work, messageId, body, now));
    }

    private sealed class ResubmitRequest(DurableQueue queue, long deadLetterSequence) : ConfirmedRequest<QueueMessage?>
    {
        public override void Apply(UnitOfWork work, long now) => Decided(queue.Resubmit(work, deadLetterSequence, now));
    }

    /// <summary>One queue change on its own, with what memory does once it is durable.</summary>
    private sealed class QueueWrite(QueueChange change, Action? onCommitted = null) : ConfirmedRequest<bool>
    {
        public override void Apply(UnitOfWork work, long now)
        {
            work.Change(change);
            if (onCommitted is not null)
                work.OnCommitted(onCommitted);
            Decided(true);
        }
    }
}
