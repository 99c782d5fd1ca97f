import { createHash } from "node:crypto"

/** Ingest keys are stored only as their sha256 (hex): a leaked table does not leak keys. */
export const hashIngestKey = (key: string): string => createHash("sha256").update(key, "utf8").digest("hex")
