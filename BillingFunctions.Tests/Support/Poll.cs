namespace BillingFunctions.Tests.Support;

/// <summary>Waits for an eventual condition with a generous deadline: tests assert what happens, not how fast.</summary>
public static class Poll
{
    public static async Task<bool> Until(Func<Task<bool>> condition, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (DateTime.UtcNow < deadline)
        {
            if (await condition())
                return true;
            await Task.Delay(50);
        }
        return false;
    }

    /// <summary>Reads a value until it satisfies the condition or the deadline passes; returns the last value read.</summary>
    public static async Task<T> UntilValue<T>(Func<Task<T>> read, Func<T, bool> condition, int timeoutSeconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var value = await read();
            if (condition(value) || DateTime.UtcNow >= deadline)
                return value;
            await Task.Delay(50);
        }
    }
}
