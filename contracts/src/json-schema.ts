import { Schema } from "effect"
import { AuditEntry } from "./audit.ts"
import { DeadLetter } from "./dead-letter.ts"
import { DeviceEvent } from "./device-event.ts"
import { IncidentCommand, IncidentEvent, IncidentRecord } from "./incident.ts"

/** The JSON Schema documents published for vendor integrators, by file name. */
export const publishedSchemas = {
  "device-event.v1.schema.json": DeviceEvent,
  "incident-event.schema.json": IncidentEvent,
  "incident-record.schema.json": IncidentRecord,
  "incident-command.schema.json": IncidentCommand,
  "audit-entry.schema.json": AuditEntry,
  "dead-letter.schema.json": DeadLetter
} as const

export const renderJsonSchema = (name: keyof typeof publishedSchemas): string => {
  const doc = Schema.toJsonSchemaDocument(publishedSchemas[name])
  return JSON.stringify(
    {
      $schema: "https://json-schema.org/draft/2020-12/schema",
      $id: `https://schemas.welfare-response.example/${name}`,
      ...doc.schema,
      $defs: doc.definitions
    },
    null,
    2
  ) + "\n"
}
