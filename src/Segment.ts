/**
 * Segments: the static segments (active or draft) accounts can be pushed into.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { Limit } from "./internal/params.js"

/**
 * A segment. Its `segmentId` is what `accounts.push` takes as `segmentId`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Segment = Schema.Struct({
  segmentId: Schema.String,
  name: Schema.String,
  /** `active` or `draft` (kept as text, should others appear). */
  status: Schema.String
})

/**
 * @see {@link Segment}
 *
 * @since 0.1.0
 * @category schemas
 */
export type Segment = typeof Segment.Type

/**
 * One page of `GET /segments`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Segments = Schema.Struct({
  data: Schema.Array(Segment),
  nextCursor: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  hasNextPage: Schema.Boolean
})

/**
 * @see {@link Segments}
 *
 * @since 0.1.0
 * @category schemas
 */
export type Segments = typeof Segments.Type

/**
 * Parameters of `GET /segments`.
 *
 * @since 0.1.0
 * @category schemas
 */
export const ListSegmentsParams = Schema.Struct({
  limit: Schema.optional(Limit),
  cursor: Schema.optional(Schema.String)
})

/**
 * @see {@link ListSegmentsParams}
 *
 * @since 0.1.0
 * @category schemas
 */
export type ListSegmentsParams = typeof ListSegmentsParams.Type
