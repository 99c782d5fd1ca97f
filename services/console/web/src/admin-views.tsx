import type { User } from "./api.ts"
import { DeviceList } from "./admin-devices.tsx"
import { PlanList } from "./admin-plans.tsx"
import { ResidentEditor, ResidentList } from "./admin-residents.tsx"
import { UserList } from "./admin-users.tsx"
import { t, term } from "./i18n.ts"

type Tab = "residents" | "devices" | "plans" | "users"

/** Why a change may take a moment to show in triage: said where the change is made. */
const CacheNote = () => <p class="muted note" data-testid="cache-note">{t().admin.cacheNote}</p>

/** `#/admin/<tab>[/<id>]`: the registry, for administrators of their tenants. */
export const AdminPage = ({ user, tab, id }: { readonly user: User; readonly tab: string | undefined; readonly id: string | undefined }) => {
  const current: Tab = tab === "devices" || tab === "plans" || tab === "users" ? tab : "residents"
  const m = t().admin
  if (user.role !== "admin") return <p class="error">{m.onlyAdmins}</p>
  return (
    <section class="admin" data-testid="admin">
      <nav class="tabs">
        {(["residents", "devices", "plans", "users"] as const).map((t) => (
          <a href={`#/admin/${t}`} class={t === current ? "active" : ""} aria-current={t === current ? "page" : undefined}>{term(m.tabs, t)}</a>
        ))}
      </nav>
      <CacheNote />
      {current === "residents"
        ? id === undefined ? <ResidentList tenants={user.tenants} /> : <ResidentEditor key={id} residentId={id} tenants={user.tenants} />
        : current === "devices"
        ? <DeviceList />
        : current === "plans"
        ? <PlanList tenants={user.tenants} />
        : <UserList tenants={user.tenants} />}
    </section>
  )
}
