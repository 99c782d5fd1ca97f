const utf8 = new TextEncoder()

/**
 * A device-event audit entry as the audit writer stores it (≈ 600 bytes), every id
 * distinct by `seq`: what the verification benchmarks hash and read back.
 */
export const sampleEntryBytes = (seq: number, options: { readonly tenant: string; readonly at: string }) => {
  const device = `alarm-${String(seq % 1300).padStart(6, "0")}`
  const eventId = `018f${seq.toString(16).padStart(12, "0")}-7000-8000-000000000000`
  return utf8.encode(JSON.stringify({
    id: `dev-${seq}`,
    tenant: options.tenant,
    kind: "device_event",
    at: options.at,
    actor: { kind: "system", id: device },
    subject: { deviceId: device, eventId },
    origin: { stream: "WT_DEVICE", seq },
    summary: `accepted technical:heartbeat from ${device}`,
    data: {
      id: eventId,
      tenant: options.tenant,
      deviceId: device,
      occurredAt: "2026-11-25T21:04:05.120Z",
      receivedAt: "2026-11-25T21:04:05.180Z",
      source: { via: "sim" },
      type: "technical",
      payload: { event: "heartbeat", batteryPct: 87 }
    }
  }))
}
