import { createIncidentTransitions } from "@wt/read-models/transitions"

// Owned by the projector like the other read models (it recreates the table and replays
// the stream into it when it is missing or empty); created here so a fresh database is
// complete before any service starts.
export default createIncidentTransitions
