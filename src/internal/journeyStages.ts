/** The `journeyStages` resource: the workspace's journey-stage labels. */
import * as Schema from "effect/Schema"
import type { JourneyStagesApi } from "../RecotapCrm.js"
import { endpoint } from "./endpoint.js"
import type { RequestPath } from "./requestPath.js"

// Seen live as a bare array of labels, once as `{ data: [...] }`: both are accepted.
const ListJourneyStages = endpoint({
  operation: "journeyStages.list",
  method: "GET",
  path: "/journey-stages",
  response: Schema.Array(Schema.String)
})

/** Builds the journey-stages resource over the request path. */
export const makeJourneyStages = (requestPath: RequestPath): JourneyStagesApi => ({
  list: () => requestPath.execute(ListJourneyStages, undefined)
})
