namespace BillingFunctions.Core.Accounts;

public enum AccountStatus { Active, Depleted }
