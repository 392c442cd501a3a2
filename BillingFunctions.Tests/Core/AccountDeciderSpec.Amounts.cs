using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;
using BillingFunctions.Core.Transfers;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    /// <summary>
    /// The decider is the last line of defence for "no negative balance": a zero or negative amount must be
    /// refused as a value, not trusted to every host's parser. (A negative transfer would otherwise pull money
    /// out of the receiver with no funds check at all.)
    /// </summary>
    [Theory]
    [InlineData("credit", 0)]
    [InlineData("credit", -20_000_000)]
    [InlineData("debit", 0)]
    [InlineData("debit", -1)]
    [InlineData("hold", 0)]
    [InlineData("hold", -5_000_000)]
    [InlineData("capture", -5_000_000)]
    public void Amounts_that_are_not_positive_are_refused(string command, long units)
    {
        Given(Funded("10", "0"));
        Given((new PlaceHold("op-0", "h0", Amount("5"), null), At(0)));

        When(command switch
        {
            "credit" => new Credit("op-1", new Money(units)),
            "debit" => new Debit("op-1", new Money(units)),
            "hold" => new PlaceHold("op-1", "h1", new Money(units), null),
            _ => new CaptureHold("op-1", "h0", new Money(units)),
        }, At(1));

        ThenRejected(RejectionKind.Validation);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-3_000_000)]
    public void Transfers_that_are_not_positive_are_refused(long units)
    {
        var alice = Funded("10", "0", accountId: "alice");
        var bob = Funded("1", "0", accountId: "bob");

        var transfer = TransferDecider.Decide(alice, bob, "t-1", new Money(units), At(1));

        AssertTransferRejected(transfer, alice, bob, RejectionKind.Validation);
    }
}
