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
}
