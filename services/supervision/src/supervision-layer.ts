import { Layer } from "effect"
import { AbsenceWatch } from "./absence-watch.ts"
import { SupervisionProgress } from "./lane-watermark.ts"
import { SignsJournal } from "./signs-journal.ts"
import { SignsOfLife } from "./signs-of-life.ts"
import { SupervisedFleet } from "./supervised-fleet.ts"
import { SupervisionLanes } from "./supervision-lanes.ts"
import { SupervisionSettings } from "./supervision-settings.ts"
import { SupervisionStore } from "./supervision-store.ts"

/**
 * Absence supervision: its own durable on the alarm lane (signs of life, pending checks), every
 * copy following the tech and telemetry lanes (signs of life), its state in JetStream KV and its journal of signs of life, and the watch that raises what is
 * overdue. Needs Nats, Registry, IncidentStore, OpenIncidentIndex and SupervisionStorms.
 */
export const supervisionLayer = <E, R>(settings: Layer.Layer<SupervisionSettings, E, R>) =>
  Layer.mergeAll(SupervisionLanes, AbsenceWatch).pipe(
    // The lanes' progress stays in the output: tests ask a running copy how far it judges.
    Layer.provide(Layer.mergeAll(SupervisedFleet.layer, SignsOfLife.layer)),
    Layer.provideMerge(SupervisionProgress.layer),
    Layer.provideMerge(Layer.mergeAll(SupervisionStore.layer, SignsJournal.layer)),
    Layer.provideMerge(settings)
  )

export const Supervision = supervisionLayer(SupervisionSettings.layer)
