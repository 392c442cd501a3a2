using System.Text.Json;
using System.Text.Json.Serialization;
using BillingFunctions.Core.Accounts;

namespace BillingFunctions.Contract;

/// <summary>
/// A typed event in JSON as one flat object: its type name, its ledger entry and the type's own fields, the same
/// properties (under the serializer's naming policy) as the flat record events once were. So a message or durable
/// payload written before events were typed still reads, and the type name picks the record (<see cref="EventCodec"/>).
/// </summary>
public sealed class AccountEventJson : JsonConverter<AccountEvent>
{
    public override AccountEvent Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var flat = JsonSerializer.Deserialize<FlatEvent>(ref reader, options) ?? throw new JsonException("An event is null.");
        try
        {
            return EventCodec.Create(flat.Type, new LedgerEntry(flat.AccountId, flat.At, flat.OperationId, flat.Amount, flat.Delta,
                flat.Consumed, flat.BalanceBefore, flat.BalanceAfter, flat.HeldAfter, flat.Episode),
                new EventDetails(flat.HoldId, flat.Counterparty, flat.RatePerSecond, flat.HoldExpiresAt));
        }
        catch (FormatException e)
        {
            throw new JsonException(e.Message, e);
        }
    }

    public override void Write(Utf8JsonWriter writer, AccountEvent value, JsonSerializerOptions options)
    {
        var details = EventCodec.Details(value);
        JsonSerializer.Serialize(writer, new FlatEvent(value.Type, value.AccountId, value.At, value.OperationId, value.Amount,
            value.Delta, value.Consumed, value.BalanceBefore, value.BalanceAfter, value.HeldAfter, value.Episode,
            details.HoldId, details.Counterparty, details.RatePerSecond, details.HoldExpiresAt), options);
    }

    private sealed record FlatEvent(string Type, string AccountId, long At, string? OperationId, long Amount, long Delta,
        long Consumed, long BalanceBefore, long BalanceAfter, long HeldAfter, int Episode, string? HoldId, string? Counterparty,
        long? RatePerSecond, long? HoldExpiresAt = null);
}
