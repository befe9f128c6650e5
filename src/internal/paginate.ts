/**
 * Keyset pagination as a lazy stream of pages.
 *
 * Pages on `hasNextPage` only: the live service keeps `nextCursor` set on the last page.
 * A server that claims more pages without a cursor it has not given before would make us loop
 * forever, so that fails instead.
 */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { TransportError } from "../RecotapError.js"

/** The paginated wrapper every list endpoint returns. */
export interface Page {
  readonly nextCursor: string | null
  readonly hasNextPage: boolean
}

/**
 * Streams the pages of a list from `params.cursor` (or the first page) on, fetching one only
 * when the consumer pulls it. Every run of the stream starts afresh: the cursors seen belong to
 * one run, so a stream value built once can be run again (or twice at once).
 *
 * @param list fetches one page
 * @param url the list's URL, for the error of a page that claims a successor but gives no usable cursor
 */
export const paginate = <Params extends { readonly cursor?: string | undefined }, P extends Page, E>(
  list: (params: Params) => Effect.Effect<P, E>,
  params: Params,
  url: string
): Stream.Stream<P, E | TransportError> => {
  const broken = (detail: string) => new TransportError({ reason: "Decode", method: "GET", url, detail })
  const { cursor: start, ...rest } = params
  return Stream.suspend(() => {
    // Every cursor seen so far in this run: a server that hands one out twice would make us loop forever.
    const seen = new Set<string>(start === undefined ? [] : [start])
    return Stream.paginateEffect(start, (cursor) =>
      Effect.flatMap(
        list((cursor === undefined ? rest : { ...rest, cursor }) as Params),
        (page): Effect.Effect<readonly [P, Option.Option<string | undefined>], E | TransportError> => {
          if (!page.hasNextPage) return Effect.succeed([page, Option.none()])
          if (page.nextCursor === null || page.nextCursor === "") {
            return Effect.fail(broken("the page says hasNextPage but gives no nextCursor"))
          }
          if (seen.has(page.nextCursor)) {
            return Effect.fail(broken(`the page returned an earlier cursor "${page.nextCursor}" as nextCursor`))
          }
          seen.add(page.nextCursor)
          return Effect.succeed([page, Option.some(page.nextCursor)])
        }
      ))
  })
}
