using './main.bicep'

param name = 'billing'
param defaultCurrency = 'USD'
param cutoffUrl = 'https://platform.example.com/cutoff'
param allowedCallbackHost = 'platform.example.com'
// Secrets come from the deploying shell and are never committed; building the parameters fails when either is unset.
param webhookSecret = readEnvironmentVariable('BILLING_WEBHOOK_SECRET')
param apiKey = readEnvironmentVariable('BILLING_API_KEY')
param maxDeliveryCount = 10
