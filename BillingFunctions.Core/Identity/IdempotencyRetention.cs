namespace BillingFunctions.Core.Identity;

/// <summary>
/// How long the answer given to an operation id (or transfer id) is kept for replays; the same rule on both hosts.
/// While an answer is younger than the window, a retry with that id gets the stored answer. Once it is as old as the
/// window, the id is forgotten: the same id is a new request, and may apply again. Without a window, every id would be
/// kept for the account's life, and what is read and written with every operation would only ever grow.
/// </summary>
public sealed record IdempotencyRetention
{
    /// <summary>A day, as Stripe keeps idempotency keys: longer than any automatic retry, short enough to stay small.</summary>
    public const int DefaultHours = 24;

    /// <summary>Ten years: effectively "never forget", while the arithmetic on instants stays far from overflow.</summary>
    public const int MaxHours = 10 * 365 * 24;

    public static readonly IdempotencyRetention Default = FromHours(DefaultHours);

    private IdempotencyRetention(long windowTicks) => WindowTicks = windowTicks;

    public long WindowTicks { get; }

    public static IdempotencyRetention FromHours(int hours) => hours is < 1 or > MaxHours
        ? throw new ArgumentOutOfRangeException(nameof(hours), hours, $"Billing:IdempotencyRetentionHours must be 1 to {MaxHours}.")
        : new IdempotencyRetention(hours * TimeSpan.TicksPerHour);

    /// <summary>The newest recorded instant that has expired at <paramref name="now"/>; answers recorded after it are kept.</summary>
    public long LatestExpired(long now) => now - WindowTicks;

    /// <summary>True while an answer recorded at <paramref name="recordedAt"/> is still replayed at <paramref name="now"/>.</summary>
    public bool Keeps(long recordedAt, long now) => recordedAt > LatestExpired(now);
}
