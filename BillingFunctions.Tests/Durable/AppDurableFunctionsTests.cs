using System.Reflection;
using BillingFunctions.Tests.Durable.Runtime;
using BillingFunctions.Accounts;
using Microsoft.Azure.Functions.Worker;

namespace BillingFunctions.Tests.Durable;

/// <summary>The runtime the Durable tests use registers every Durable function the app declares, under the same name.</summary>
public sealed class AppDurableFunctionsTests
{
    [Fact]
    public void Every_orchestration_activity_and_entity_trigger_of_the_app_is_registered()
    {
        var functions = typeof(AccountEntity).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Name: m.GetCustomAttribute<FunctionAttribute>()?.Name, Parameters: m.GetParameters()))
            .Where(f => f.Name is not null)
            .ToList();
        string[] WithTrigger<TTrigger>() where TTrigger : Attribute =>
            functions.Where(f => f.Parameters.Any(p => p.GetCustomAttribute<TTrigger>() is not null)).Select(f => f.Name!).Order().ToArray();

        Assert.Equal(WithTrigger<OrchestrationTriggerAttribute>(), AppDurableFunctions.Orchestrations.Order());
        Assert.Equal(WithTrigger<ActivityTriggerAttribute>(), AppDurableFunctions.Activities.Order());
        Assert.Equal(WithTrigger<EntityTriggerAttribute>(), AppDurableFunctions.Entities.Order());
    }
}
