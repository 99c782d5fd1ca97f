import { createIncidentViews } from "@wt/read-models/schema"

// The projector owns these tables and recreates them if they are dropped; the
// migration creates them so a fresh database is complete before any service starts.
export default createIncidentViews
