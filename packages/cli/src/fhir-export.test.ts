import { assert, describe, layer } from "@effect/vitest"
import { appendAuditEntry, readStreamRange } from "@wt/audit-log"
import { AuditEntry, Streams, Subjects } from "@wt/contracts"
import { fhirDocumentErrors, fhirSchemaErrors, scenarioEntries } from "@wt/fhir-export/testing"
import { decodeJson, natsAuthEnv, publishRaw } from "@wt/nats"
import { NatsTestServer } from "@wt/nats/testing"
import { Effect, Result } from "effect"
import { readFileSync, statSync } from "node:fs"
import { userInfo } from "node:os"
import { join } from "node:path"
import { cliRunner, scratchDir } from "./cli-harness.ts"

const nordby: AuditEntry = {
  id: "nordby-view-1",
  tenant: "nordby",
  kind: "record_view",
  at: "2026-11-26T08:00:00.000Z",
  actor: { kind: "operator", id: "u-per" },
  subject: { residentId: "res-9001", incidentId: "inc-n" },
  summary: "resident card opened"
}

const expectAllValid = (resources: ReadonlyArray<{ resourceType: string; id: string }>) => {
  for (const r of resources) assert.deepStrictEqual(fhirSchemaErrors(r), [], `${r.resourceType}/${r.id}`)
}

const countByType = (resources: ReadonlyArray<{ resourceType: string }>) =>
  resources.reduce<Record<string, number>>((n, r) => ({ ...n, [r.resourceType]: (n[r.resourceType] ?? 0) + 1 }), {})

describe("wt fhir export", () => {
  layer(NatsTestServer.layerNats, { excludeTestServices: true, timeout: 180_000 })((it) => {
    it.effect("writes the audit trail as FHIR R4 resources that validate against HL7's schema, filtered by incident, tenant and time, and audits itself", () =>
      Effect.gen(function*() {
        const { access, url } = yield* NatsTestServer
        const dir = yield* scratchDir("fhir")
        const cli = access("cli")
        const wt = cliRunner({ NATS_URL: url, WT_DATA_DIR: dir, ...natsAuthEnv(cli.auth, cli.tls, cli.inboxPrefix) }, { unset: ["DATABASE_URL", "NATS_URL"], timeoutMs: 60_000 })

        const scenario = scenarioEntries()
        yield* Effect.forEach(scenario, appendAuditEntry, { discard: true })
        yield* appendAuditEntry(nordby)
        // A damaged entry is reported, not silently left out.
        yield* publishRaw(Subjects.audit("demo", "incident_event"), new TextEncoder().encode("{not json"), { msgId: "damaged-1" })

        const all = join(dir, "all.json")
        const whole = yield* wt("fhir", "export", "--out", all)
        assert.strictEqual(whole.code, 0, whole.stdout + whole.stderr)
        assert.include(whole.stdout, "1 audit entries could not be read")
        assert.strictEqual(statSync(all).mode & 0o777, 0o600)
        const bundle = JSON.parse(readFileSync(all, "utf8"))
        assert.strictEqual(bundle.type, "collection")
        assert.deepStrictEqual(fhirDocumentErrors(bundle), [])
        assert.deepStrictEqual(fhirSchemaErrors(bundle), [])
        const resources = bundle.entry.map((e: { resource: { resourceType: string; id: string } }) => e.resource)
        expectAllValid(resources)
        // One Flag and one Composition per incident of the fixture (inc-a … inc-e).
        const incidents = new Set(scenario.flatMap((e) => (e.kind === "incident_event" && e.subject.incidentId !== undefined ? [e.subject.incidentId] : []))).size
        assert.strictEqual(incidents, 5)
        // A coded alert (DetectedIssue) for every incident but the technical fault; one conversation with a resident; our three code systems.
        assert.deepStrictEqual(countByType(resources), { AuditEvent: scenario.length + 1, DetectedIssue: 4, Flag: incidents, Composition: incidents, Encounter: 1, CodeSystem: 3 })
        assert.include(whole.stdout, "http://ehelse.no/fhir/CodeSystem/vkp-alert-code-v090|0.9.0 (edition 2022-01-14)")

        const one = join(dir, "inc-a.ndjson")
        const incident = yield* wt("fhir", "export", "--incident", "inc-a", "--format", "ndjson", "--out", one)
        assert.strictEqual(incident.code, 0, incident.stdout + incident.stderr)
        const lines = readFileSync(one, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l))
        expectAllValid(lines)
        const aboutA = scenario.filter((e) => e.subject.incidentId === "inc-a").length
        // The incident's entries and the device events that raised and joined it (door, then fall), which name no incident.
        assert.deepStrictEqual(countByType(lines), { AuditEvent: aboutA + 2, DetectedIssue: 1, Flag: 1, Composition: 1, Encounter: 1, CodeSystem: 3 })
        const deviceEvents = lines.filter((r) => r.resourceType === "AuditEvent" && r.entity.some((x: any) => x.name === "device event" && x.type?.code === "2"))
        assert.deepStrictEqual(deviceEvents.map((r) => r.entity.find((x: any) => x.type?.code === "2").what.identifier.value), ["018f3a2b-7c4d-7e8f-9a0b-000000000001", "018f3a2b-7c4d-7e8f-9a0b-000000000002"])
        // The alert is coded from the incident's headline: the fall (4.1) that joined, not the door (4.15) that opened it.
        assert.strictEqual(lines.find((r) => r.resourceType === "DetectedIssue").code.coding[0].code, "4.1")

        const tenant = join(dir, "nordby.json")
        assert.strictEqual((yield* wt("fhir", "export", "--tenant", "nordby", "--out", tenant)).code, 0)
        const nordbyBundle = JSON.parse(readFileSync(tenant, "utf8"))
        assert.deepStrictEqual(fhirDocumentErrors(nordbyBundle), [])
        // nordby's record view, and the first export, which covered nordby too.
        assert.deepStrictEqual(nordbyBundle.entry.filter((e: any) => e.resource.resourceType === "AuditEvent").map((e: any) => [e.resource.source.site, e.resource.type.code]), [["nordby", "rest"], ["nordby", "110106"]])

        const window = join(dir, "window.json")
        assert.strictEqual((yield* wt("fhir", "export", "--tenant", "demo", "--from", "2026-11-25T02:05:00Z", "--to", "2026-11-25T02:06:00Z", "--out", window)).code, 0)
        const windowed = JSON.parse(readFileSync(window, "utf8"))
        assert.deepStrictEqual(fhirDocumentErrors(windowed), [])
        const inWindow = scenario.filter((e) => e.at >= "2026-11-25T02:05:00" && e.at < "2026-11-25T02:06:00").length
        assert.strictEqual(windowed.entry.filter((e: any) => e.resource.resourceType === "AuditEvent").length, inWindow)

        const bad = yield* wt("fhir", "export", "--from", "yesterday-ish", "--out", join(dir, "x.json"))
        assert.strictEqual(bad.code, 1)
        assert.include(bad.stderr, "--from yesterday-ish")

        // Every export is itself in the audit trail; the incident's names its resident.
        const exports: Array<AuditEntry> = []
        yield* readStreamRange({
          stream: Streams.audit,
          filterSubject: Subjects.audit("*", "export"),
          onMessage: (m) => {
            const decoded = decodeJson(AuditEntry, m.data)
            if (Result.isSuccess(decoded) && decoded.success.id.startsWith("fhir-export-")) exports.push(decoded.success)
          }
        })
        assert.deepStrictEqual(exports.map((e) => e.tenant).sort(), ["demo", "demo", "demo", "nordby", "nordby"])
        const incidentExport = exports.find((e) => e.subject.incidentId === "inc-a")!
        assert.deepInclude(incidentExport, {
          kind: "export",
          subject: { incidentId: "inc-a", residentId: "res-0001" },
          // Without --as: the wt-cli service account, never the operating-system user.
          actor: { kind: "service", id: "wt-cli" }
        })
        const data = incidentExport.data as { client: { application: string; host: string }; destination: { file: string }; codeTables: ReadonlyArray<{ edition: string }> }
        assert.strictEqual(data.client.application, "wt-cli")
        assert.strictEqual(data.destination.file, one)
        assert.isAbove(data.codeTables.length, 0)
        assert.isTrue(exports.every((e) => e.actor.kind === "service" && e.actor.id === "wt-cli"))
        assert.notInclude(JSON.stringify(exports.map((e) => e.actor)), `"${userInfo().username}"`)
      }), 240_000)
  })
})
