import { Schema } from "effect"
import { AuditEntry } from "./audit.ts"
import { DeadLetter } from "./dead-letter.ts"
import { SenderDecodeOptions, SenderDeviceEvent } from "./device-event.ts"
import { IncidentCommand, IncidentEvent, IncidentRecord } from "./incident.ts"

interface Published {
  readonly schema: Schema.Top
  /**
   * How unknown properties are treated, as the reader of this document decodes it: "error" where
   * the decoder refuses them (the document then says `additionalProperties: false`), "ignore"
   * where readers skip what they do not know (records this system writes and may add fields to).
   */
  readonly onExcessProperty: "error" | "ignore"
}

/**
 * The JSON Schema documents published for vendor integrators, by file name. The device event is
 * the sender-facing variant, generated from the very Schema and options the gateway decodes
 * `POST /v1/events` with (no `via: "engine"`, unknown top-level properties refused, payload
 * properties open); the event as stored on WT_DEVICE (`DeviceEvent`) is internal.
 */
export const publishedSchemas = {
  "device-event.v1.schema.json": { schema: SenderDeviceEvent, onExcessProperty: SenderDecodeOptions.onExcessProperty },
  "incident-event.schema.json": { schema: IncidentEvent, onExcessProperty: "ignore" },
  "incident-record.schema.json": { schema: IncidentRecord, onExcessProperty: "ignore" },
  "incident-command.schema.json": { schema: IncidentCommand, onExcessProperty: "ignore" },
  "audit-entry.schema.json": { schema: AuditEntry, onExcessProperty: "ignore" },
  "dead-letter.schema.json": { schema: DeadLetter, onExcessProperty: "ignore" }
} as const satisfies Record<string, Published>

export type PublishedSchemaName = keyof typeof publishedSchemas

/** The document as a JSON value (draft 2020-12). */
export const jsonSchemaOf = (name: PublishedSchemaName): Record<string, unknown> => {
  const published: Published = publishedSchemas[name]
  const doc = Schema.toJsonSchemaDocument(published.schema, { onExcessProperty: published.onExcessProperty })
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `https://schemas.welfare-response.example/${name}`,
    ...doc.schema,
    $defs: doc.definitions
  }
}

export const renderJsonSchema = (name: PublishedSchemaName): string => JSON.stringify(jsonSchemaOf(name), null, 2) + "\n"
