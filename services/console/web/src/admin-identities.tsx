import { useState } from "preact/hooks"
import { api, type WireIdentityInput, type WireIdentityView, type WireProtocol } from "./api.ts"
import { errorText, Status, useLoad } from "./admin-common.tsx"
import { t } from "./i18n.ts"

const protocolIds: ReadonlyArray<WireProtocol> = ["dc09", "scaip", "osmand", "webhook"]

/** Each protocol's name and what its identity is, in the current language. */
const protocolsNow = () => protocolIds.map((id) => ({ id, ...(t().admin.protocols[id] ?? { label: id, identity: "" }) }))

interface Draft {
  readonly protocol: WireProtocol
  readonly identity: string
  readonly vendor: string
  readonly receiver: string
  readonly line: string
  /** Typed by the administrator only: never filled from the server, which never sends it. */
  readonly key: string
  readonly removeKey: boolean
}

const draftOf = (protocol: WireProtocol, present: WireIdentityView | undefined): Draft => ({
  protocol,
  identity: present?.identity ?? "",
  vendor: present?.vendor ?? "",
  receiver: present?.receiver ?? "",
  line: present?.line ?? "",
  key: "",
  removeKey: false
})

/** The request for a draft: an empty key field keeps the present key; "remove the key" sends null. */
const inputOf = (d: Draft): WireIdentityInput => ({
  identity: d.identity.trim(),
  ...(d.protocol === "webhook" && d.vendor.trim() !== "" ? { vendor: d.vendor.trim() } : {}),
  ...(d.protocol === "dc09" && d.receiver.trim() !== "" ? { receiver: d.receiver.trim() } : {}),
  ...(d.protocol === "dc09" && d.line.trim() !== "" ? { line: d.line.trim() } : {}),
  ...(d.protocol === "dc09" && d.removeKey ? { key: null } : d.protocol === "dc09" && d.key.trim() !== "" ? { key: d.key.trim() } : {})
})

const details = (i: WireIdentityView) =>
  [i.vendor !== undefined ? t().admin.vendorOf(i.vendor) : "", i.receiver !== undefined ? t().admin.receiverOf(i.receiver) : "", i.line !== undefined ? t().admin.lineOf(i.line) : ""]
    .filter((s) => s !== "").join(", ")

/**
 * "Protocol identities" of one device: how it is known on each alarm protocol's wire, and a
 * form to set or remove one. The DC-09 key field is write-only: the page only ever has the
 * key's last four digits (`keyHint`) to show.
 */
export const DeviceIdentities = ({ tenant, deviceId }: { readonly tenant: string; readonly deviceId: string }) => {
  const { value, error, reload } = useLoad(() => api.admin.identities(tenant, deviceId), [tenant, deviceId])
  const [draft, setDraft] = useState<Draft | undefined>()
  const [saved, setSaved] = useState<string | undefined>()
  const [failed, setFailed] = useState<string | undefined>()
  const present = (p: WireProtocol) => value?.find((i) => i.protocol === p)
  const edit = (p: WireProtocol) => setDraft(draftOf(p, present(p)))
  const done = (message: string) => () => { setSaved(message); setFailed(undefined); setDraft(undefined); void reload() }
  const refused = (e: unknown) => { setSaved(undefined); setFailed(errorText(e)) }

  const m = t().admin
  const protocols = protocolsNow()
  const remove = (p: WireProtocol) => {
    if (!window.confirm(m.removeIdentityConfirm(deviceId, p))) return
    api.admin.removeIdentity(tenant, deviceId, p).then(done(m.identityRemoved(p)), refused)
  }
  const save = (d: Draft) => api.admin.putIdentity(tenant, deviceId, d.protocol, inputOf(d)).then(done(m.identitySaved(d.protocol)), refused)

  const kind = draft === undefined ? undefined : protocols.find((p) => p.id === draft.protocol)
  const hint = draft === undefined ? undefined : present(draft.protocol)?.keyHint
  return (
    <section class="identities" data-testid="identity-section" aria-label={m.identitiesOf(deviceId)}>
      <h3>{m.protocolIdentities} <small class="muted">{deviceId}</small></h3>
      {error !== undefined ? <p class="error">{error}</p> : value === undefined ? <p>{t().common.loading}</p> : (
        <table class="admin-list" data-testid="identity-list">
          <thead><tr><th>{m.identityHeaders.protocol}</th><th>{m.identityHeaders.identity}</th><th>{m.identityHeaders.bound}</th><th>{m.identityHeaders.key}</th><th></th></tr></thead>
          <tbody>
            {protocols.map((p) => {
              const i = present(p.id)
              return (
                <tr data-protocol={p.id} data-set={i !== undefined ? "yes" : "no"}>
                  <td>{p.label}</td>
                  <td data-testid="identity">{i?.identity ?? <span class="muted">{t().common.none}</span>}</td>
                  <td>{i !== undefined ? details(i) : ""}</td>
                  <td data-testid="key-state">{p.id !== "dc09" || i === undefined ? "" : i.keyHint !== undefined ? m.keySet(i.keyHint) : m.noKey}</td>
                  <td>
                    <button type="button" onClick={() => edit(p.id)}>{i !== undefined ? m.change : m.set}</button>{" "}
                    {i !== undefined ? <button type="button" onClick={() => remove(p.id)}>{t().common.remove}</button> : null}
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {draft === undefined || kind === undefined ? null : (
        <form class="identity-edit" data-testid="identity-form" onSubmit={(e) => { e.preventDefault(); save(draft) }}>
          <strong>{m.identityTitle(kind.label)}</strong>
          <label>{m.identity}<input name="identity" required placeholder={kind.identity} value={draft.identity} onInput={(e) => setDraft({ ...draft, identity: e.currentTarget.value })} /></label>
          {draft.protocol === "webhook"
            ? <label>{m.vendor}<input name="vendor" required placeholder="demo-dispenser" value={draft.vendor} onInput={(e) => setDraft({ ...draft, vendor: e.currentTarget.value })} /></label>
            : null}
          {draft.protocol === "dc09" ? (
            <>
              <label>{m.receiver}<input name="receiver" placeholder={m.hexExample} value={draft.receiver} onInput={(e) => setDraft({ ...draft, receiver: e.currentTarget.value })} /></label>
              <label>{m.line}<input name="line" placeholder={m.hexExample} value={draft.line} onInput={(e) => setDraft({ ...draft, line: e.currentTarget.value })} /></label>
              <label>{m.aesKey} {hint !== undefined ? <small class="muted" data-testid="identity-key-hint">{m.keyKept(hint)}</small> : <small class="muted">{m.noneSet}</small>}
                <input name="key" type="password" autocomplete="new-password" spellcheck={false} placeholder={m.keyPlaceholder}
                  disabled={draft.removeKey} value={draft.key} onInput={(e) => setDraft({ ...draft, key: e.currentTarget.value })} />
              </label>
              {hint !== undefined
                ? <label class="check"><input name="remove-key" type="checkbox" checked={draft.removeKey} onChange={(e) => setDraft({ ...draft, removeKey: e.currentTarget.checked, key: "" })} /> {m.removeKey}</label>
                : null}
            </>
          ) : null}
          <div><button class="primary">{m.saveIdentity}</button> <button type="button" onClick={() => setDraft(undefined)}>{t().common.cancel}</button></div>
        </form>
      )}
      <Status saved={saved} error={failed} />
    </section>
  )
}
