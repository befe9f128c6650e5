/**
 * Segments: the static segments (active or draft) accounts can be pushed into.
 *
 * @module
 */
import * as Schema from "effect/Schema"
import { Limit } from "./internal/params.js"

/** A segment. Its `segmentId` is what `accounts.push` takes as `segmentId`. */
export const Segment = Schema.Struct({
  segmentId: Schema.String,
  name: Schema.String,
  /** `active` or `draft` (kept as text, should others appear). */
  status: Schema.String
})

/** @see {@link Segment} */
export type Segment = typeof Segment.Type

/** One page of `GET /segments`. */
export const Segments = Schema.Struct({
  data: Schema.Array(Segment),
  nextCursor: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  hasNextPage: Schema.Boolean
})

/** @see {@link Segments} */
export type Segments = typeof Segments.Type

/** Parameters of `GET /segments`. */
export const ListSegmentsParams = Schema.Struct({
  limit: Schema.optional(Limit),
  cursor: Schema.optional(Schema.String)
})

/** @see {@link ListSegmentsParams} */
export type ListSegmentsParams = typeof ListSegmentsParams.Type
