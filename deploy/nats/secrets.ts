// Makes the NATS secrets of an installation outside `pnpm start` (compose, Kubernetes, a cluster
// of your own): an nkey per user (users/<user>.nk, mode 0600), the authorization file the
// servers include (authorization.conf: public keys and permissions only) and, unless --no-tls,
// a local CA with a certificate per node (tls/). What exists is kept; run it again to add nodes.
//
//   pnpm exec node deploy/nats/secrets.ts [--out .data/nats-cluster/secrets] [--nodes nats-1,nats-2,nats-3] [--hosts 127.0.0.1,localhost] [--no-tls]
//
// Mount the directory at /etc/nats/secrets next to deploy/nats/cluster/nats-<n>.conf (as
// /etc/nats/nats.conf); give each service its seed file (NATS_NKEY_FILE), its inbox prefix
// (NATS_INBOX_PREFIX=_INBOX.<user>) and the CA (NATS_CA=…/tls/ca.pem). See docs/nats-security.md.
import { resolve } from "node:path"
import { parseArgs } from "node:util"
import { ensureLocalNatsSecurity, inboxPrefixOf, loopbackHosts, NatsUsers } from "@wt/nats"

const { values } = parseArgs({
  options: {
    out: { type: "string", default: ".data/nats-cluster/secrets" },
    nodes: { type: "string", default: "nats-1,nats-2,nats-3" },
    hosts: { type: "string", default: loopbackHosts.join(",") },
    "no-tls": { type: "boolean", default: false }
  }
})

const list = (text: string) => text.split(",").map((s) => s.trim()).filter((s) => s !== "")
const dir = resolve(values.out)
const hosts = list(values.hosts)
const security = ensureLocalNatsSecurity({
  dir,
  tls: !values["no-tls"],
  nodes: list(values.nodes).map((name) => ({ name, hosts }))
})

const lines = [
  `NATS secrets in ${dir}`,
  `  authorization: ${security.authorizationFile}`,
  ...(security.tls === undefined
    ? ["  TLS: off"]
    : [`  CA: ${security.tls.caFile}`, ...Object.entries(security.tls.nodes).map(([node, f]) => `  ${node}: ${f.certFile}, ${f.keyFile}`)]),
  "  users (NATS_NKEY_FILE, NATS_INBOX_PREFIX):",
  ...NatsUsers.map((user) => `    ${user.padEnd(12)} ${security.seedFiles[user]}  ${inboxPrefixOf(user)}`)
]
process.stdout.write(lines.join("\n") + "\n")
