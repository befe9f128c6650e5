/** The `segments` resource: keyset pages of static segments. */
import * as Stream from "effect/Stream"
import type { SegmentsApi } from "../RecotapCrm.js"
import { ListSegmentsParams, Segments } from "../Segment.js"
import { endpoint } from "./endpoint.js"
import { paginate } from "./paginate.js"
import type { RequestPath } from "./requestPath.js"

const ListSegments = endpoint({
  operation: "segments.list",
  method: "GET",
  path: "/segments",
  query: ListSegmentsParams,
  response: Segments
})

/** Builds the segments resource over the request path. */
export const makeSegments = (requestPath: RequestPath): SegmentsApi => {
  const list = (params: ListSegmentsParams = {}) => requestPath.execute(ListSegments, params)
  const pages = (params: ListSegmentsParams = {}) => paginate(list, params, `${requestPath.baseUrl}/segments`)
  return { list, pages, stream: (params) => Stream.mapConcat(pages(params), (page) => page.data) }
}
