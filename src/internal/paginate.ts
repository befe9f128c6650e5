/**
 * Keyset pagination as a lazy stream of pages.
 *
 * Pages on `hasNextPage` only: the live service keeps `nextCursor` set on the last page.
 * A server that claims more pages without a new cursor would make us loop forever, so that
 * fails instead.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/** The paginated wrapper every list endpoint returns. */
export interface Page {
  readonly nextCursor: string | null
  readonly hasNextPage: boolean
}

/**
 * Streams pages, fetching one only when the consumer pulls it.
 *
 * @param fetchPage fetches the page at a cursor (`undefined` = first page)
 * @param start cursor to start from, if any
 * @param broken the error for a page that claims a successor but gives no usable cursor
 */
export const paginate = <P extends Page, E>(
  fetchPage: (cursor: string | undefined) => Effect.Effect<P, E>,
  start: string | undefined,
  broken: (detail: string) => E
): Stream.Stream<P, E> =>
  Stream.paginateEffect(start, (cursor) =>
    Effect.flatMap(fetchPage(cursor), (page): Effect.Effect<readonly [P, Option.Option<string | undefined>], E> => {
      if (!page.hasNextPage) return Effect.succeed([page, Option.none()])
      if (page.nextCursor === null || page.nextCursor === "") {
        return Effect.fail(broken("the page says hasNextPage but gives no nextCursor"))
      }
      if (page.nextCursor === cursor) {
        return Effect.fail(broken(`the page returned its own cursor "${cursor}" as nextCursor`))
      }
      return Effect.succeed([page, Option.some(page.nextCursor)])
    }))
