namespace BillingFunctions.Tests.Infrastructure;

/// <summary>
/// The Azure built-in roles the template assigns, with their role definition ids as Azure publishes them in its list
/// of built-in roles (learn.microsoft.com/azure/role-based-access-control/built-in-roles, the Storage, Integration
/// and Monitor pages). The ids are the same in every tenant; a mistyped one makes a deployment fail or grant another role.
/// </summary>
public static class BuiltInRoles
{
    public const string StorageBlobDataOwner = "b7e6dc6d-f1e8-4753-8033-0f276bb0955b";
    public const string StorageQueueDataContributor = "974c5e8b-45b9-4653-ba55-5f855dd0fb88";
    public const string StorageTableDataContributor = "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3";
    public const string ServiceBusDataSender = "69a216fc-b8fb-44d8-bc22-1f3c2cd27a39";
    public const string ServiceBusDataReceiver = "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0";
    public const string MonitoringMetricsPublisher = "3913510d-42f4-4e42-8a64-420c390055eb";

    public static readonly IReadOnlyDictionary<string, string> Names = new Dictionary<string, string>
    {
        [StorageBlobDataOwner] = "Storage Blob Data Owner",
        [StorageQueueDataContributor] = "Storage Queue Data Contributor",
        [StorageTableDataContributor] = "Storage Table Data Contributor",
        [ServiceBusDataSender] = "Azure Service Bus Data Sender",
        [ServiceBusDataReceiver] = "Azure Service Bus Data Receiver",
        [MonitoringMetricsPublisher] = "Monitoring Metrics Publisher",
    };

    public static string NameOf(string id) => Names.TryGetValue(id, out var name) ? name : $"unknown role {id}";
}
