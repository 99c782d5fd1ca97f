import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * How devices that speak an alarm protocol are known on the wire: a DC-09 account (with the
 * receiver and line it is set up for, and its AES key when it encrypts), a SCAIP caller id, an
 * OsmAnd device id, a vendor's own device id. A frame names no tenant, so an identity is unique
 * across the installation: the receivers find (tenant, device) from it. One identity per protocol
 * per device. `secret` (the DC-09 AES key, hex) is read only by the receivers and never returned in full.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient
  yield* sql`CREATE TABLE device_identities (
    tenant text NOT NULL,
    device_id text NOT NULL,
    protocol text NOT NULL CHECK (protocol IN ('dc09', 'scaip', 'osmand', 'webhook')),
    vendor text NOT NULL DEFAULT '' CHECK ((protocol = 'webhook') = (vendor <> '')),
    identity text NOT NULL CHECK (length(identity) BETWEEN 1 AND 64),
    receiver text,
    line text,
    secret text,
    PRIMARY KEY (tenant, device_id, protocol),
    UNIQUE (protocol, vendor, identity),
    FOREIGN KEY (tenant, device_id) REFERENCES devices (tenant, id) ON DELETE CASCADE
  )`
})
