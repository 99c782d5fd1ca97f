import { execFileSync } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs"
import { isIP } from "node:net"
import { join } from "node:path"

/** A NATS node's name and the host names and addresses its certificate must hold. */
export interface TlsNode {
  readonly name: string
  readonly hosts: ReadonlyArray<string>
}

export interface LocalTlsFiles {
  /** The local CA's certificate, which clients and nodes trust (`NATS_CA`). */
  readonly caFile: string
  /** Each node's certificate and key, by node name. */
  readonly nodes: Readonly<Record<string, { readonly certFile: string; readonly keyFile: string }>>
}

/** The hosts every local node answers on, beside its own name. */
export const loopbackHosts: ReadonlyArray<string> = ["127.0.0.1", "localhost"]

const openssl = (args: ReadonlyArray<string>) => {
  try {
    execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] })
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString("utf8").trim()
    throw new Error(`openssl ${args[0]} failed${stderr ? `: ${stderr}` : ""} (is openssl installed? apt-get install openssl)`)
  }
}

const subjectAltName = (hosts: ReadonlyArray<string>) =>
  [...new Set(hosts)].map((h) => (isIP(h) === 0 ? `DNS:${h}` : `IP:${h}`)).join(",")

/**
 * A local CA and a certificate for each node, made with `openssl` on first use and kept in
 * `dir` (keys of mode 0600): P-256 keys, the CA valid for 10 years, node certificates for
 * 825 days naming the node and `hosts` (server and client use, so nodes verify each other's
 * routes). An existing CA is kept, and so is a node's certificate: delete a file to have it made again.
 */
export const ensureLocalTls = (dir: string, nodes: ReadonlyArray<TlsNode>): LocalTlsFiles => {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  const caFile = join(dir, "ca.pem")
  const caKeyFile = join(dir, "ca-key.pem")
  if (!existsSync(caFile) || !existsSync(caKeyFile)) {
    const ext = join(dir, "ca.ext")
    writeFileSync(ext, [
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      "[ca]",
      "basicConstraints = critical,CA:true,pathlen:0",
      "keyUsage = critical,keyCertSign,cRLSign",
      "subjectKeyIdentifier = hash"
    ].join("\n") + "\n")
    openssl([
      "req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", caKeyFile, "-out", caFile, "-days", "3650", "-subj", "/CN=wt local NATS CA",
      "-config", ext, "-extensions", "ca"
    ])
    chmodSync(caKeyFile, 0o600)
    rmSync(ext, { force: true })
  }
  const issued: Record<string, { certFile: string; keyFile: string }> = {}
  for (const node of nodes) {
    if (!/^[A-Za-z0-9_.-]+$/.test(node.name)) throw new Error(`a node name may hold letters, digits, '.', '_' and '-' only: ${node.name}`)
    const certFile = join(dir, `${node.name}.pem`)
    const keyFile = join(dir, `${node.name}-key.pem`)
    if (!existsSync(certFile) || !existsSync(keyFile)) {
      const csr = join(dir, `${node.name}.csr`)
      const ext = join(dir, `${node.name}.ext`)
      writeFileSync(ext, [
        "basicConstraints = critical,CA:false",
        "keyUsage = critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage = serverAuth,clientAuth",
        `subjectAltName = ${subjectAltName([node.name, ...node.hosts])}`
      ].join("\n") + "\n")
      openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", keyFile, "-out", csr, "-subj", `/CN=${node.name}`])
      chmodSync(keyFile, 0o600)
      openssl([
        "x509", "-req", "-in", csr, "-CA", caFile, "-CAkey", caKeyFile, "-set_serial", `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
        "-days", "825", "-sha256", "-extfile", ext, "-out", certFile
      ])
      rmSync(csr, { force: true })
      rmSync(ext, { force: true })
    }
    issued[node.name] = { certFile, keyFile }
  }
  return { caFile, nodes: issued }
}
