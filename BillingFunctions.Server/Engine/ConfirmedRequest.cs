namespace BillingFunctions.Server.Engine;

/// <summary>
/// Internal work (queue bookkeeping, order charges) whose caller waits for the commit but which is never refused for
/// load: refusing it would stall a message that is already accepted. Its value is released only after the commit.
/// </summary>
internal abstract class ConfirmedRequest<T> : WriteRequest
{
    private readonly TaskCompletionSource<T> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private T? _value;
    private bool _decided;

    public Task<T> Answer => _answer.Task;

    public override void Complete()
    {
        if (!_decided)
            throw new InvalidOperationException("Applied without a value.");
        _answer.TrySetResult(_value!);
    }

    public override void Fail(Exception error) => _answer.TrySetException(error);

    protected void Decided(T value)
    {
        _value = value;
        _decided = true;
    }
}
