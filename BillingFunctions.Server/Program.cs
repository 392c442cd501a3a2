using BillingFunctions.Server;
using BillingFunctions.Server.Storage;
using Microsoft.Extensions.Options;

try
{
    BillingServer.Build(args).Run();
    return 0;
}
catch (OptionsValidationException invalid)
{
    // Before anything started: one line naming each bad key and what it may be, not a stack trace.
    Console.Error.WriteLine($"Invalid configuration: {invalid.Message}");
    return BillingOptionsValidator.ExitCode;
}
catch (SchemaTooNewException tooNew)
{
    // Refused before any state was read or written: an older server must not write into a newer schema.
    Console.Error.WriteLine(tooNew.Message);
    return SchemaTooNewException.ExitCode;
}
catch (StorageOpenFailedException unavailable)
{
    // One line, not a stack trace: the cause is outside this process, and nothing acknowledged was lost.
    Console.Error.WriteLine(unavailable.Message);
    return StorageOpenFailedException.ExitCode;
}
catch (DataDirectoryInUseException inUse)
{
    // One line and nothing else: this process has read no state and started nothing.
    Console.Error.WriteLine(inUse.Message);
    return DataDirectoryInUseException.ExitCode;
}

/// <summary>Entry point; exposed so tests can locate this assembly.</summary>
public partial class Program;
