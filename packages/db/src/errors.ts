import { Schema } from "effect"

export class EmbeddedPostgresError extends Schema.TaggedError<EmbeddedPostgresError>()("EmbeddedPostgresError", {
  message: Schema.String,
  cause: Schema.optional(Schema.Defect())
}) {}

/** Another live process serves this data directory's embedded database; PGlite must have one owner. */
export class EmbeddedPostgresInUse extends Schema.TaggedError<EmbeddedPostgresInUse>()("EmbeddedPostgresInUse", {
  dataDir: Schema.String,
  pid: Schema.Int
}) {
  override get message(): string {
    return `the embedded database in ${this.dataDir} is in use by process ${this.pid}; connect to it through its runtime.json or DATABASE_URL`
  }
}
