namespace AzureReferenceSurface;

/// <summary>Every member of the surface throws this: it exists to be compiled against, never to run.</summary>
internal static class CompileOnly
{
    public static NotSupportedException Unavailable() =>
        new("compile-only reference surface: build with -p:AzurePackages=real to run against the Azure packages");
}
