/** The environment variable holding a vendor's webhook secret: `WT_WEBHOOK_SECRET_` and the vendor in capitals, `-` as `_`. */
export const webhookSecretVariable = (vendor: string): string => `WT_WEBHOOK_SECRET_${vendor.toUpperCase().replaceAll("-", "_")}`

/**
 * The HMAC key a configured vendor secret stands for. A Standard Webhooks secret (`whsec_` and
 * base64, as vendors following that specification issue them) is its decoded bytes; any other
 * secret is used as it is written.
 */
export const signingKeyOf = (secret: string): string | Uint8Array => {
  if (!secret.startsWith("whsec_")) return secret
  const encoded = secret.slice("whsec_".length)
  return /^[A-Za-z0-9+/]+={0,2}$/u.test(encoded) ? new Uint8Array(Buffer.from(encoded, "base64")) : secret
}
