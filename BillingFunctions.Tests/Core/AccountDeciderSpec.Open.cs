using BillingFunctions.Core.Accounts;
using BillingFunctions.Core.Amounts;

namespace BillingFunctions.Tests.Core;

public partial class AccountDeciderSpec
{
    [Fact]
    public void Open_creates_an_empty_active_account_that_charges_nothing()
    {
        var outcome = AccountDecider.Open(null, "acc-1", "EUR", CutoffUrl, 60, T0);

        Assert.True(outcome.Accepted);
        var created = Assert.Single(outcome.Events);
        Assert.Equal(EventTypes.AccountCreated, created.Type);
        Assert.Equal("acc-1", created.AccountId);
        Assert.Equal(T0, created.At);
        Assert.Equal(0, created.BalanceAfter);
        Assert.Empty(outcome.Effects);
        Assert.Equal(AccountStatus.Active, outcome.State.Status);
        Assert.Equal(Money.Zero, outcome.State.Balance);
        Assert.Equal(Rate.Zero, outcome.State.Rate);
        Assert.Equal("EUR", outcome.State.Currency);
        Assert.Equal(60, outcome.State.LowBalanceWarningSeconds);
        Assert.Equal(T0, outcome.State.SettledAt);
        Assert.Equal(1, outcome.State.Version);
        Assert.Null(AccountDecider.DepletesAt(outcome.State));
    }

    [Fact]
    public void Opening_an_existing_account_with_the_same_settings_confirms_it_unchanged()
    {
        var existing = Funded("10", "1", lowBalanceWarningSeconds: 60);

        var outcome = AccountDecider.Open(existing, "acc-1", "EUR", CutoffUrl, 60, At(100));

        Assert.True(outcome.Accepted);
        Assert.Same(existing, outcome.State);
        Assert.Empty(outcome.Events);
        Assert.Empty(outcome.Effects);
    }

    [Theory]
    [InlineData("USD", CutoffUrl, 60)]
    [InlineData("EUR", "https://platform.example/other", 60)]
    [InlineData("EUR", null, 60)]
    [InlineData("EUR", CutoffUrl, 30)]
    [InlineData("EUR", CutoffUrl, null)]
    public void Opening_an_existing_account_with_other_settings_is_refused(string currency, string? cutoffUrl, int? warningSeconds)
    {
        var existing = Funded("10", "1", lowBalanceWarningSeconds: 60);

        var outcome = AccountDecider.Open(existing, "acc-1", currency, cutoffUrl, warningSeconds, At(100));

        Assert.Equal(RejectionKind.AccountExists, outcome.Rejection?.Kind);
        Assert.Same(existing, outcome.State);
        Assert.Empty(outcome.Events);
        Assert.Empty(outcome.Effects);
    }
}
