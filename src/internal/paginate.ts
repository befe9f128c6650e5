/**
 * Keyset pagination as a lazy stream of pages, fetching one page ahead.
 *
 * Pages on `hasNextPage` only: the live service keeps `nextCursor` set on the last page. A
 * server that claims more pages without a cursor, or hands out a cursor it gave before, would
 * make us loop forever, so that fails instead; detecting it takes bounded memory, however long
 * the list.
 */
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { TransportError } from "../RecotapError.js"

/** The paginated wrapper every list endpoint returns. */
export interface Page {
  readonly nextCursor: string | null
  readonly hasNextPage: boolean
}

/** How many of the latest cursors are compared exactly: a short cycle is caught at once. */
const RECENT_CURSORS = 16

/**
 * Whether a cursor was handed out before, in bounded memory: the latest cursors exactly, and
 * longer cycles by Brent's algorithm (one cursor kept, renewed at each power of two), which
 * catches a cycle within about three times its length.
 */
const cycleDetector = (start: string | undefined) => {
  // Without a start, `undefined` takes the first slot: no cursor equals it, and it leaves first.
  const recent: Array<string | undefined> = [start]
  let saved = start
  let power = 1
  let steps = 0
  return (cursor: string): boolean => {
    if (cursor === saved || recent.includes(cursor)) return true
    recent.push(cursor)
    if (recent.length > RECENT_CURSORS) recent.shift()
    steps += 1
    if (steps === power) {
      saved = cursor
      power *= 2
      steps = 0
    }
    return false
  }
}

/**
 * Streams the pages of a list from `params.cursor` (or the first page) on. The first page is
 * fetched when the stream is first pulled; each next one as soon as the previous one is handed
 * to the consumer, so that it arrives while the consumer works (one page ahead, no more). Every
 * run of the stream starts afresh, so a stream value built once can be run again, or twice at once.
 *
 * @param list fetches one page
 * @param url the list's URL, for the error of a page that claims a successor but gives no usable cursor
 */
export const paginate = <Params extends { readonly cursor?: string | undefined }, P extends Page, E>(
  list: (params: Params) => Effect.Effect<P, E>,
  params: Params,
  url: string
): Stream.Stream<P, E | TransportError> => {
  const broken = (detail: string) => TransportError.decode("GET", url, detail)
  const start = params.cursor
  return Stream.unwrapScoped(Effect.gen(function*() {
    const scope = yield* Effect.scope
    const seenBefore = cycleDetector(start)
    /** One page and the cursor of the next, if there is one. */
    const fetch = (cursor: string | undefined) =>
      Effect.flatMap(
        // No cursor only on a first page without one: the caller's parameters as they are.
        // Stryker disable next-line ConditionalExpression: equivalent, a `cursor` of `undefined` is none
        list(cursor === undefined ? params : { ...params, cursor }),
        (page): Effect.Effect<readonly [P, Option.Option<string>], E | TransportError> => {
          if (!page.hasNextPage) return Effect.succeed([page, Option.none()])
          if (page.nextCursor === null || page.nextCursor === "") {
            return Effect.fail(broken("the page says hasNextPage but gives no nextCursor"))
          }
          if (seenBefore(page.nextCursor)) {
            return Effect.fail(broken(`the page returned an earlier cursor "${page.nextCursor}" as nextCursor`))
          }
          return Effect.succeed([page, Option.some(page.nextCursor)])
        }
      )
    // The page being fetched lives in the stream's scope: stopping early interrupts it.
    const ahead = (cursor: string | undefined) => Effect.forkIn(fetch(cursor), scope)
    return Stream.paginateEffect(
      yield* ahead(start),
      (fetching) =>
        Effect.flatMap(Fiber.join(fetching), ([page, next]) =>
          Option.match(next, {
            onNone: () => Effect.succeed([page, Option.none()] as const),
            onSome: (cursor) => Effect.map(ahead(cursor), (fiber) => [page, Option.some(fiber)] as const)
          }))
    )
  }))
}
