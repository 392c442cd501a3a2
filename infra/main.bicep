// BillingFunctions on Azure: a Flex Consumption Function App (dotnet-isolated 10.0) with a system-assigned managed
// identity, its storage account (deployment blobs, Durable task hub, the billing tables), a Service Bus Standard
// namespace (orders queue, payment-results topic + notifications subscription) and Application Insights.
// Shared keys are disabled on storage and Service Bus: every connection is the app's identity plus role assignments.
// The test suite compiles and lints this file on every run (BillingFunctions.Tests/Infrastructure): see docs/azure.md.

@description('Base name for the resources (lower-case letters and digits).')
@minLength(3)
@maxLength(16)
param name string

param location string = resourceGroup().location

@description('Billing settings passed to the app (Billing__* app settings).')
param defaultCurrency string = 'USD'
param cutoffUrl string = ''

@description('HMAC-SHA256 key for the X-Billing-Signature header on cut-off calls.')
@secure()
@minLength(32)
param webhookSecret string

@description('Every API request must carry it as X-Api-Key: the HTTP functions are otherwise open to anyone.')
@secure()
@minLength(32)
param apiKey string

param allowedCallbackHost string = ''

@description('Deliveries before Service Bus dead-letters an order message the consumer keeps giving back.')
param maxDeliveryCount int = 10

var suffix = uniqueString(resourceGroup().id, name)
var storageName = take('st${name}${suffix}', 24)
var deploymentContainer = 'app-package'

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageName
  location: location
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

resource blobs 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource packages 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobs
  name: deploymentContainer
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${name}-${suffix}'
  location: location
  properties: {
    sku: { name: 'PerGB2018' }
    retentionInDays: 30
  }
}

resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${name}-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
    DisableLocalAuth: true
  }
}

resource bus 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: 'sb-${name}-${suffix}'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

// Message id = {basketId}:{attempt}: duplicate detection drops re-sent attempts, never a new attempt on the same basket.
resource orders 'Microsoft.ServiceBus/namespaces/queues@2024-01-01' = {
  parent: bus
  name: 'orders'
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
    defaultMessageTimeToLive: 'P14D'
  }
}

resource results 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: bus
  name: 'payment-results'
  properties: {
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT1H'
    defaultMessageTimeToLive: 'P14D'
  }
}

resource notifications 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = {
  parent: results
  name: 'notifications'
  properties: {
    maxDeliveryCount: maxDeliveryCount
    deadLetteringOnMessageExpiration: true
    lockDuration: 'PT1M'
  }
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${name}-${suffix}'
  location: location
  kind: 'functionapp'
  sku: { name: 'FC1', tier: 'FlexConsumption' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: 'func-${name}-${suffix}'
  location: location
  kind: 'functionapp,linux'
  identity: { type: 'SystemAssigned' }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainer}'
          authentication: { type: 'SystemAssignedIdentity' }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: 40
        instanceMemoryMB: 2048
      }
      runtime: { name: 'dotnet-isolated', version: '10.0' }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        // Identity-based connections: no keys in settings.
        { name: 'AzureWebJobsStorage__accountName', value: storage.name }
        { name: 'AzureWebJobsStorage__credential', value: 'managedidentity' }
        { name: 'ServiceBusConnection__fullyQualifiedNamespace', value: '${bus.name}.servicebus.windows.net' }
        { name: 'ServiceBusConnection__credential', value: 'managedidentity' }
        { name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: insights.properties.ConnectionString }
        { name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING', value: 'Authorization=AAD' }
        { name: 'BillingTaskHub', value: 'billing' }
        { name: 'Billing__TablesUri', value: storage.properties.primaryEndpoints.table }
        { name: 'Billing__DefaultCurrency', value: defaultCurrency }
        { name: 'Billing__CutoffUrl', value: cutoffUrl }
        { name: 'Billing__WebhookSecret', value: webhookSecret }
        { name: 'Billing__ApiKey', value: apiKey }
        { name: 'Billing__AllowedCallbackHosts__0', value: allowedCallbackHost }
      ]
    }
  }
}

// Built-in roles: their ids are the same in every tenant (Azure's published list of built-in roles). Data roles only,
// each scoped to the one resource it is for.
resource storageBlobDataOwner 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
}

resource storageQueueDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
}

resource storageTableDataContributor 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
}

resource serviceBusDataSender 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
}

resource serviceBusDataReceiver 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
}

resource monitoringMetricsPublisher 'Microsoft.Authorization/roleDefinitions@2022-04-01' existing = {
  scope: subscription()
  name: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Blobs: the deployment package and the host's and Durable's leases (the Functions host asks for Owner on
// AzureWebJobsStorage blobs).
resource appBlobs 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, app.id, storageBlobDataOwner.id)
  scope: storage
  properties: {
    roleDefinitionId: storageBlobDataOwner.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Queues: the Durable task hub's control and work-item queues.
resource appQueues 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, app.id, storageQueueDataContributor.id)
  scope: storage
  properties: {
    roleDefinitionId: storageQueueDataContributor.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Tables: the task hub's history, instances and entity state, and the billing tables (ledger, baskets,
// notifications, webhookdeliveries).
resource appTables 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, app.id, storageTableDataContributor.id)
  scope: storage
  properties: {
    roleDefinitionId: storageTableDataContributor.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Sender: orders onto the queue, results onto the topic. Receiver: the two Service Bus triggers (orders queue and the
// notifications subscription; namespace scope covers the subscription). Not Data Owner, which can also manage and
// delete the entities.
resource appBusSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(bus.id, app.id, serviceBusDataSender.id)
  scope: bus
  properties: {
    roleDefinitionId: serviceBusDataSender.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

resource appBusReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(bus.id, app.id, serviceBusDataReceiver.id)
  scope: bus
  properties: {
    roleDefinitionId: serviceBusDataReceiver.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// Telemetry: Application Insights has local (instrumentation-key) auth disabled, so ingestion needs this role.
resource appTelemetry 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(insights.id, app.id, monitoringMetricsPublisher.id)
  scope: insights
  properties: {
    roleDefinitionId: monitoringMetricsPublisher.id
    principalId: app.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output functionAppName string = app.name
output apiBaseUrl string = 'https://${app.properties.defaultHostName}/api'
output serviceBusNamespace string = bus.name
output storageAccount string = storage.name
