export { DatabaseConfig } from "./config.ts"
export { Database, databaseLayer, type DatabaseOptions, MigratedDatabase } from "./database.ts"
export { migrate, MigrationsLayer } from "./migrate.ts"
export { DatabaseReady } from "./ready.ts"
export { type EmbeddedPostgres, resolveDatabase, type ResolvedDatabase, startEmbeddedPostgres } from "./embedded.ts"
export { servePglite, type PgliteWireServer } from "./pglite-wire-server.ts"
export { EmbeddedPostgresError, EmbeddedPostgresInUse } from "./errors.ts"
export {
  deriveKey,
  type InstallationKey,
  InstallationKeyConfig,
  InstallationKeyError,
  installationKeyOf,
  type InstallationKeySource,
  loadInstallationKey
} from "./installation-key.ts"
export { isSealedText, openText, sealText, SealedTextError } from "./sealed-text.ts"
export { isSealedKeySafe, openKeySafeCode, type SealedKeySafe, sealKeySafeCode } from "./key-safe-code.ts"
export { keepSecretFilePrivate, writeSecretFileOnce } from "./secret-file.ts"
