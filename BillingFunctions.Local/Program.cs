using BillingFunctions.Local;

BillingServer.Build(args).Run();

/// <summary>Entry point; exposed so tests can locate this assembly.</summary>
public partial class Program;
