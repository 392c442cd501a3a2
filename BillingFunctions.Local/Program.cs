using BillingFunctions.Local;
using BillingFunctions.Local.Storage;

try
{
    BillingServer.Build(args).Run();
    return 0;
}
catch (DataDirectoryInUseException inUse)
{
    // One line and nothing else: this process has read no state and started nothing.
    Console.Error.WriteLine(inUse.Message);
    return DataDirectoryInUseException.ExitCode;
}

/// <summary>Entry point; exposed so tests can locate this assembly.</summary>
public partial class Program;
