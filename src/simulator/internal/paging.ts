/** Keyset pagination as the API does it: items sorted by key, the cursor is the last key seen. */
import type { Checks } from "./wire.js"

/** The default page size ("most endpoints default to limit=100"). */
export const DEFAULT_LIMIT = 100

/** Reads `limit` from the query: a positive integer, 100 when absent. */
export const readLimit = (checks: Checks, query: URLSearchParams): number => {
  const raw = query.get("limit")
  if (raw === null) return DEFAULT_LIMIT
  if (!/^\d+$/.test(raw.trim())) {
    checks.fail("limit", "isInt", "limit must be an integer number")
    return DEFAULT_LIMIT
  }
  const limit = Number(raw)
  if (limit < 1) checks.fail("limit", "min", "limit must not be less than 1")
  return limit
}

/** One page, shaped like the API's paginated `data`. */
export interface KeysetPage<A> {
  readonly data: ReadonlyArray<A>
  readonly nextCursor: string | null
  readonly hasNextPage: boolean
}

/**
 * The page after `cursor`. Like the live service, `nextCursor` stays set on the last page
 * (the last key returned); it is `null` only when the page is empty.
 */
export const keysetPage = <A>(
  sorted: ReadonlyArray<A>,
  keyOf: (item: A) => string,
  cursor: string | null,
  limit: number
): KeysetPage<A> => {
  const rest = cursor === null ? sorted : sorted.filter((item) => keyOf(item) > cursor)
  const data = rest.slice(0, limit)
  const last = data.at(-1)
  return { data, nextCursor: last === undefined ? null : keyOf(last), hasNextPage: rest.length > limit }
}
