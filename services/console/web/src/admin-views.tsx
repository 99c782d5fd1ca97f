import type { User } from "./api.ts"
import { DeviceList } from "./admin-devices.tsx"
import { PlanList } from "./admin-plans.tsx"
import { ResidentEditor, ResidentList } from "./admin-residents.tsx"
import { UserList } from "./admin-users.tsx"

type Tab = "residents" | "devices" | "plans" | "users"

/** Why a change may take a moment to show in triage: said where the change is made. */
const CacheNote = () => (
  <p class="muted note" data-testid="cache-note">
    Changes are saved at once and audited. Triage caches device owners for up to 10 s and absence supervision
    re-reads the fleet every minute, so a device change reaches them within that time.
  </p>
)

/** `#/admin/<tab>[/<id>]`: the registry, for administrators of their tenants. */
export const AdminPage = ({ user, tab, id }: { readonly user: User; readonly tab: string | undefined; readonly id: string | undefined }) => {
  const current: Tab = tab === "devices" || tab === "plans" || tab === "users" ? tab : "residents"
  if (user.role !== "admin") return <p class="error">The registry is for administrators.</p>
  return (
    <section class="admin" data-testid="admin">
      <nav class="tabs">
        {(["residents", "devices", "plans", "users"] as const).map((t) => (
          <a href={`#/admin/${t}`} class={t === current ? "active" : ""} aria-current={t === current ? "page" : undefined}>{t}</a>
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
