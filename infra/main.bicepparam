using './main.bicep'

param name = 'billing'
param defaultCurrency = 'USD'
param cutoffUrl = 'https://platform.example.com/cutoff'
param allowedCallbackHost = 'platform.example.com'
// Supply at deploy time: az deployment group create ... --parameters webhookSecret=<secret>
param webhookSecret = readEnvironmentVariable('BILLING_WEBHOOK_SECRET', '')
param maxDeliveryCount = 10
