/** The `segments` resource (keyset pages) and the `journeyStages` list. */
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { JourneyStagesApi, SegmentsApi } from "../RecotapCrm.js"
import { ListSegmentsParams, Segments } from "../Segment.js"
import { paginate } from "./paginate.js"
import type { Endpoint, Pipeline } from "./pipeline.js"

const ListSegments: Endpoint<ListSegmentsParams, Segments> = {
  operation: "segments.list",
  method: "GET",
  path: "/segments",
  query: ListSegmentsParams,
  response: Segments
}

// Seen live as a bare array of labels, once as `{ data: [...] }`: both are accepted.
const ListJourneyStages: Endpoint<void, ReadonlyArray<string>> = {
  operation: "journeyStages.list",
  method: "GET",
  path: "/journey-stages",
  response: Schema.Array(Schema.String)
}

/** Builds the segments resource over a pipeline. */
export const makeSegments = (pipeline: Pipeline): SegmentsApi => {
  const list = (params: ListSegmentsParams = {}) => pipeline.read(ListSegments, params)
  const pages = (params: ListSegmentsParams = {}) => paginate(list, params, `${pipeline.baseUrl}${ListSegments.path}`)
  return { list, pages, stream: (params) => Stream.mapConcat(pages(params), (page) => page.data) }
}

/** Builds the journey-stages resource over a pipeline. */
export const makeJourneyStages = (pipeline: Pipeline): JourneyStagesApi => ({
  list: () => pipeline.read(ListJourneyStages, undefined)
})
