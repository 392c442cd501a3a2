using System.Text.Json.Nodes;
using BillingFunctions.Core.Amounts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace BillingFunctions.Server.Api;

/// <summary>
/// Makes the OpenAPI schemas of the request bodies say what the contract's strict reader accepts. The document is
/// generated with ASP.NET Core's own (lenient, reflection-based) JSON options, which know neither the amount converters
/// nor the strict options of <see cref="RequestJson"/>.
/// </summary>
internal sealed class RequestBodySchemas : IOpenApiSchemaTransformer
{
    private static readonly HashSet<Type> Bodies = RequestJson.Bodies.Select(body => body.Type).ToHashSet();

    private static readonly Dictionary<string, int> MostSeconds = new()
    {
        ["lowBalanceWarningSeconds"] = BodyFields.MaxLowBalanceWarningSeconds,
        ["expiresInSeconds"] = BodyFields.MaxExpiresInSeconds,
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var type = context.JsonTypeInfo.Type;
        if (type == typeof(Money))
            DecimalString(schema, Money.Scale, "An amount greater than zero, as a decimal string (a bare JSON number is read from its exact text).", "12.5");
        else if (type == typeof(Rate))
            DecimalString(schema, Rate.Scale, "A rate per second, as a decimal string.", "0.000013888889");
        else if (Bodies.Contains(type))
            schema.AdditionalPropertiesAllowed = false; // unknown fields are refused, not ignored
        else if (context.JsonPropertyInfo is { } property && Bodies.Contains(property.DeclaringType) && schema.Type?.HasFlag(JsonSchemaType.Integer) == true)
        {
            // Numbers are read strictly: "10" is not 10.
            schema.Type &= ~JsonSchemaType.String;
            schema.Pattern = null;
            if (MostSeconds.TryGetValue(property.Name, out var most))
                (schema.Minimum, schema.Maximum) = ("1", most.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return Task.CompletedTask;
    }

    private static void DecimalString(OpenApiSchema schema, int scale, string description, string example)
    {
        schema.Type = JsonSchemaType.String;
        schema.Format = null;
        schema.Properties?.Clear();
        schema.Required?.Clear();
        schema.Pattern = $@"^\d+(\.\d{{1,{scale}}})?$";
        schema.Description = description;
        schema.Examples = [JsonValue.Create(example)];
    }
}
