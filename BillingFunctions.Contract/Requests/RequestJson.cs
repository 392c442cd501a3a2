using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace BillingFunctions.Contract.Requests;

/// <summary>
/// Every request body, read by source-generated code with strict options: a field the body type does not have, a field
/// given twice, a required field left out, or null where the type allows none is an error, never silently ignored.
/// Read bodies through <see cref="Http.RequestBodies"/>, which turns those errors into problem details.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    // "amount" twice must not quietly mean the last one.
    AllowDuplicateProperties = false,
    // A misspelt optional field ("operationID") would otherwise be dropped, and the write applied without it.
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    // null for a non-nullable field ("holdId": null) is refused; an optional field (string?, int?) may be null.
    RespectNullableAnnotations = true,
    // The bodies mark required fields with `required`; a body written as a positional record gets the same rule.
    RespectRequiredConstructorParameters = true,
    MaxDepth = MaxDepth)]
[JsonSerializable(typeof(OpenAccountBody))]
[JsonSerializable(typeof(CreditOrDebitBody))]
[JsonSerializable(typeof(RateBody))]
[JsonSerializable(typeof(HoldBody))]
[JsonSerializable(typeof(CaptureBody))]
[JsonSerializable(typeof(ReleaseBody))]
[JsonSerializable(typeof(TransferBody))]
[JsonSerializable(typeof(BasketBody))]
[JsonSerializable(typeof(OrderBody))]
public sealed partial class RequestJson : JsonSerializerContext
{
    /// <summary>Bodies are flat objects; anything nested deeper than this is not read at all.</summary>
    public const int MaxDepth = 16;

    /// <summary>Every request body type, as this context reads it.</summary>
    public static IReadOnlyList<JsonTypeInfo> Bodies =>
    [
        Default.OpenAccountBody, Default.CreditOrDebitBody, Default.RateBody, Default.HoldBody, Default.CaptureBody,
        Default.ReleaseBody, Default.TransferBody, Default.BasketBody, Default.OrderBody,
    ];
}
