namespace BillingFunctions.Core.Identity;

/// <summary>
/// Rules for caller-chosen ids (accounts, operations, holds, transfers): 1 to 128 characters from
/// letters, digits and <c>- _ . : @</c>. Ids end up in URLs, logs and webhook query strings, so the
/// alphabet stays boring on purpose.
/// </summary>
public static class Identifiers
{
    public const int MaxLength = 128;

    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
            return false;
        foreach (var c in id)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or ':' or '@'))
                return false;
        return true;
    }

    public static string Describe(string field) =>
        $"'{field}' must be 1 to {MaxLength} characters of letters, digits and - _ . : @";
}
