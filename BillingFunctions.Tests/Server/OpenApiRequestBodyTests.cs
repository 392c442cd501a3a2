using System.Text.Json;
using BillingFunctions.Contract.Requests;
using BillingFunctions.Tests.Support;

namespace BillingFunctions.Tests.Server;

/// <summary>
/// The running server's OpenAPI document describes the body of every write route as the contract's strict reader reads
/// it: the body type's fields and no others, required fields required, amounts and rates as decimal strings.
/// </summary>
public sealed class OpenApiRequestBodyTests(SharedServer fixture) : IClassFixture<SharedServer>
{
    /// <summary>Write routes that take no body at all.</summary>
    private static readonly HashSet<(string Method, string Path)> Bodiless = [("POST", "/api/queues/{queue}/dead-letters/{sequence}/resubmit")];

    /// <summary>Write routes whose body may be left out (docs/http-api.md).</summary>
    private static readonly HashSet<(string Method, string Path)> BodyOptional =
    [
        ("PUT", "/api/accounts/{accountId}"),
        ("POST", "/api/accounts/{accountId}/holds/{holdId}/capture"),
        ("POST", "/api/accounts/{accountId}/holds/{holdId}/release"),
    ];

    private static readonly HashSet<string> AmountFields = ["amount", "ratePerSecond"];

    [Fact]
    public async Task Every_post_and_put_route_has_a_request_schema_with_amounts_as_strings()
    {
        var document = await Document();
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var described = new HashSet<string>();
        var writes = 0;
        foreach (var path in document.GetProperty("paths").EnumerateObject())
            foreach (var operation in path.Value.EnumerateObject().Where(o => o.Name is "post" or "put"))
            {
                writes++;
                var route = (operation.Name.ToUpperInvariant(), path.Name);
                var where = $"{route.Item1} {route.Item2}";
                if (Bodiless.Contains(route))
                {
                    Assert.False(operation.Value.TryGetProperty("requestBody", out _), $"{where} takes no body but documents one");
                    continue;
                }
                Assert.True(operation.Value.TryGetProperty("requestBody", out var body), $"{where} has no requestBody");
                Assert.Equal(!BodyOptional.Contains(route), body.TryGetProperty("required", out var required) && required.GetBoolean());
                var schema = Resolve(schemas, body.GetProperty("content").GetProperty("application/json").GetProperty("schema"), out var name);
                described.Add(name!);
                Assert.Equal("object", schema.GetProperty("type").GetString());
                Assert.False(schema.GetProperty("additionalProperties").GetBoolean(), $"{where}: unknown fields are refused, so none may be allowed");

                var type = RequestJson.Bodies.Single(b => b.Type.Name == name);
                var properties = schema.GetProperty("properties");
                Assert.Equal(type.Properties.Select(p => p.Name).Order(), properties.EnumerateObject().Select(p => p.Name).Order());
                var requiredFields = schema.TryGetProperty("required", out var list) ? list.EnumerateArray().Select(r => r.GetString()!).ToHashSet() : [];
                Assert.Equal(type.Properties.Where(p => p.IsRequired).Select(p => p.Name).ToHashSet(), requiredFields);
                foreach (var property in properties.EnumerateObject().Where(p => AmountFields.Contains(p.Name)))
                {
                    var amount = Resolve(schemas, property.Value, out _);
                    Assert.True(amount.GetProperty("type").GetString() == "string", $"{where}: '{property.Name}' is {amount}");
                    Assert.True(amount.TryGetProperty("pattern", out _), $"{where}: '{property.Name}' has no pattern");
                }
                foreach (var property in properties.EnumerateObject())
                {
                    var types = TypesOf(Resolve(schemas, property.Value, out _));
                    Assert.False(types.Contains("integer") && types.Contains("string"), $"{where}: '{property.Name}' would take a number as a string");
                }
            }
        Assert.True(writes >= 11, $"only {writes} write routes in the document");
        Assert.Equal(RequestJson.Bodies.Select(b => b.Type.Name).Order(), described.Order());
    }

    [Fact]
    public async Task Whole_number_fields_are_integers_only_within_their_range()
    {
        var schemas = (await Document()).GetProperty("components").GetProperty("schemas");
        var expiry = schemas.GetProperty(nameof(HoldBody)).GetProperty("properties").GetProperty("expiresInSeconds");
        Assert.Equal(new HashSet<string> { "null", "integer" }, TypesOf(expiry));
        Assert.Equal((1, BodyFields.MaxExpiresInSeconds), (expiry.GetProperty("minimum").GetInt32(), expiry.GetProperty("maximum").GetInt32()));
    }

    private async Task<JsonElement> Document()
    {
        var response = await fixture.Server.Client.GetAsync("/openapi/v1.json");
        response.EnsureSuccessStatusCode();
        return await response.Json();
    }

    private static HashSet<string> TypesOf(JsonElement schema) => !schema.TryGetProperty("type", out var type) ? []
        : type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToHashSet() : [type.GetString()!];

    /// <summary>A schema with its reference followed; a nullable one (<c>oneOf: [null, $ref]</c>) as the schema it allows.</summary>
    private static JsonElement Resolve(JsonElement schemas, JsonElement schema, out string? name)
    {
        name = null;
        if (schema.TryGetProperty("oneOf", out var oneOf))
            schema = oneOf.EnumerateArray().Single(s => !(s.TryGetProperty("type", out var t) && t.GetString() == "null"));
        if (!schema.TryGetProperty("$ref", out var reference))
            return schema;
        name = reference.GetString()!.Split('/')[^1];
        return schemas.GetProperty(name);
    }
}
