import { Clock, Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ActiveStatuses } from "@wt/contracts"
import { polledRoute } from "@wt/service-runtime"
import { FloodEndsBelow, floodFigures, FloodStartsAbove, IncidentViews, operatorsSignedIn } from "@wt/read-models"
import { ConsoleApi, CurrentSession } from "./api.ts"
import { Forbidden } from "./api-errors.ts"
import { FloodWatch } from "./flood-watch.ts"

const isUnclaimed = (i: { readonly status: string; readonly owner: { readonly kind: string } }) => i.status === "open" && i.owner.kind === "queue"

/** `GET /api/overview`: the supervisor's live picture of each tenant they supervise. */
export const OverviewHandlers = HttpApiBuilder.group(
  ConsoleApi,
  "overview",
  Effect.fn(function*(handlers) {
    const views = yield* IncidentViews
    const floodWatch = yield* FloodWatch

    // Each supervisor's overview asks again every 5 s: answered polls are logged at debug.
    return handlers.handle("get", () =>
      polledRoute(Effect.gen(function*() {
        const { user } = yield* CurrentSession
        if (user.role === "operator") return yield* new Forbidden({ message: "the overview is for supervisors" })
        const [active, figures, staff] = yield* Effect.all([
          views.list(user.tenants, [...ActiveStatuses], 5000),
          floodFigures(),
          operatorsSignedIn(user.tenants)
        ]).pipe(Effect.orDie)
        const tenants = user.tenants.map((tenant) => {
          const mine = active.filter((i) => i.tenant === tenant)
          const waiting = mine.filter(isUnclaimed)
          const oldest = [...waiting].sort((a, b) => a.openedAt.localeCompare(b.openedAt))[0]
          const f = figures.find((x) => x.tenant === tenant) ?? { alarmsLast10Min: 0, operatorsOnDuty: 0, rate: 0 }
          const count = (p: string) => waiting.filter((i) => i.priority === p).length
          return {
            tenant,
            waiting: { P1: count("P1"), P2: count("P2"), P3: count("P3"), P4: count("P4") },
            inHand: mine.length - waiting.length,
            ...(oldest !== undefined ? { oldestUnclaimed: { incidentId: oldest.incidentId, priority: oldest.priority, openedAt: oldest.openedAt } } : {}),
            operatorsSignedIn: staff.filter((s) => s.tenant === tenant).map((s) => ({ id: s.id, displayName: s.displayName })),
            flood: {
              active: floodWatch.inFlood(tenant, f.rate),
              alarmsLast10Min: f.alarmsLast10Min,
              operatorsOnDuty: f.operatorsOnDuty,
              rate: f.rate,
              startsAbove: FloodStartsAbove,
              endsBelow: FloodEndsBelow
            }
          }
        })
        return { at: new Date(yield* Clock.currentTimeMillis).toISOString(), tenants }
      })))
  })
)
