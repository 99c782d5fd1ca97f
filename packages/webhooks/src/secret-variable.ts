/** The environment variable holding a vendor's webhook secret: `WT_WEBHOOK_SECRET_` and the vendor in capitals, `-` as `_`. */
export const webhookSecretVariable = (vendor: string): string => `WT_WEBHOOK_SECRET_${vendor.toUpperCase().replaceAll("-", "_")}`
