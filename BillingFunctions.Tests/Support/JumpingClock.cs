namespace BillingFunctions.Tests.Support;

/// <summary>The system clock plus an offset the test moves: a host whose clock is stepped. Timers run in real time.</summary>
public sealed class JumpingClock(TimeSpan offset = default) : TimeProvider
{
    private long _offsetTicks = offset.Ticks;

    public void Jump(TimeSpan by) => Interlocked.Add(ref _offsetTicks, by.Ticks);

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _offsetTicks));
}
