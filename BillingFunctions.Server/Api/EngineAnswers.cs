using BillingFunctions.Server.Engine;

namespace BillingFunctions.Server.Api;

/// <summary>Answers a write submitted to the engine, or the problem for an overload or a store that could not commit.</summary>
public static class EngineAnswers
{
    public static Task<IResult> From(Func<Task<WriteResult>> write) => From(write, Answers.ToResult);

    /// <summary>Runs a write and answers with what it returned, or with the problem for an overload or a failed store.</summary>
    public static async Task<IResult> From<T>(Func<Task<T>> write, Func<T, IResult> answer)
    {
        T result;
        try
        {
            result = await write();
        }
        catch (OverloadedException)
        {
            return Problems.Overloaded();
        }
        catch (ProjectionBehindException)
        {
            return Problems.ProjectionBehind();
        }
        catch (StorageUnavailableException e)
        {
            return e.OwnershipLost ? Problems.NotOwner() : e.DiskFull ? Problems.StorageFull() : Problems.StorageUnavailable();
        }
        return answer(result);
    }
}
