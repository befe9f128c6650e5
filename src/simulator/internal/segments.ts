/** Segments (static, active or draft, keyset pages) and journey stages (a bare list). */
import type { Call } from "./call.js"
import { keysetPage, readLimit } from "./paging.js"
import type { Respond } from "./reply.js"
import { bare, Checks, invalid, ok } from "./wire.js"

/** GET /segments: the static segments whose status is active or draft; no `syncTimestamp`. */
export const listSegments = ({ query, store, where }: Call): Respond => {
  const checks = new Checks()
  const limit = readLimit(checks, query)
  if (!checks.passed) return invalid(where, checks.violations)
  const listed = [...store.segments.values()]
    .filter((s) => s.type === "static" && (s.status === "active" || s.status === "draft"))
    .sort((a, b) => (a.segmentId < b.segmentId ? -1 : a.segmentId > b.segmentId ? 1 : 0))
  const page = keysetPage(listed, (s) => s.segmentId, query.get("cursor"), limit)
  return ok(where, {
    ...page,
    data: page.data.map((s) => ({ segmentId: s.segmentId, name: s.name, status: s.status }))
  })
}

/** GET /journey-stages: the stage labels, as a bare array (as seen live). */
export const listJourneyStages = ({ store }: Call): Respond => bare([...store.journeyStages])
