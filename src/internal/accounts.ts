/** The `accounts` resource: pull (list, pages, stream, sync), push, update, external-ID mapping. */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Predicate from "effect/Predicate"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import {
  type Account,
  Accounts,
  type AccountSyncEvent,
  DEFAULT_SYNC_OVERLAP,
  ListAccountsParams,
  ListUnmappedParams,
  type MalformedAccount,
  type StreamAccountsOptions,
  type SyncAccountsParams,
  UnmappedAccount
} from "../Account.js"
import type { Revision } from "../RecotapConfig.js"
import type { AccountsApi } from "../RecotapCrm.js"
import { TransportError } from "../RecotapError.js"
import { decodeAccountsPage } from "./accountRecord.js"
import { makeAccountWrites } from "./accountWrites.js"
import { endpoint } from "./endpoint.js"
import { truncate } from "./envelope.js"
import { paginate } from "./paginate.js"
import { Iso8601String } from "./params.js"
import type { RequestPath } from "./requestPath.js"

/**
 * `GET /accounts` as a revision defines it. The `domains` filter is not sent where it is not
 * documented: the CRM revision's server might refuse it, or ignore it and answer every account.
 */
const listAccounts = (revision: Revision) =>
  endpoint({
    operation: "accounts.list",
    method: "GET",
    path: "/accounts",
    query: revision === "external" ? ListAccountsParams : ListAccountsParams.pipe(
      Schema.filter((params) =>
        params.domains === undefined ||
        "the domains filter is documented only by the External revision (set revision: \"external\")"
      )
    ),
    response: Accounts,
    decodeResponse: decodeAccountsPage
  })

/** A page of accounts as read (typed or not): the accounts, and the records that could not be read. */
interface ReadPage<A> {
  readonly data: ReadonlyArray<A>
  readonly malformed: ReadonlyArray<MalformedAccount>
  readonly syncTimestamp?: DateTime.Utc | undefined
}

/** What one item of a page became: an account (typed or not) or a record that could not be read. */
export type PageEvent<A = Account> = Exclude<AccountSyncEvent<A>, { readonly _tag: "Completed" }>

/** A page's accounts and malformed records as sync events, in the order the server sent them. */
export const pageEvents = <A>(page: ReadPage<A>): Array<PageEvent<A>> => {
  const events: Array<PageEvent<A>> = []
  let next = 0
  for (const record of page.malformed) {
    while (events.length < record.index && next < page.data.length) {
      events.push({ _tag: "Changed", account: page.data[next++]! })
    }
    events.push({ _tag: "Malformed", record })
  }
  while (next < page.data.length) events.push({ _tag: "Changed", account: page.data[next++]! })
  return events
}

/**
 * The accounts of pages, one by one: an unreadable one is skipped with a warning each
 * (`onMalformed: "skip"`, the default), or fails the stream, after the accounts before it, with a
 * `Decode` `TransportError` naming `url` (`"fail"`).
 */
export const accountsOf = <A, E>(
  pages: Stream.Stream<ReadPage<A>, E>,
  options: StreamAccountsOptions,
  url: string
): Stream.Stream<A, E | TransportError> => {
  if (options.onMalformed === "fail") {
    const failOn = (record: MalformedAccount) =>
      Effect.fail(TransportError.decode("GET", url, `an account could not be read: ${describeMalformed(record)}`))
    return Stream.flatMap(pages, (page) =>
      page.malformed.length === 0
        ? Stream.fromIterable(page.data)
        : Stream.fromIterable(pageEvents(page)).pipe(
          Stream.mapConcatEffect((event) =>
            event._tag === "Changed" ? Effect.succeed([event.account]) : failOn(event.record)
          )
        ))
  }
  // Skipped with a warning each: the page's readable accounts go on as they are.
  return Stream.mapConcatEffect(pages, (page) =>
    page.malformed.length === 0 ? Effect.succeed(page.data) : Effect.as(
      Effect.forEach(
        page.malformed,
        (record) =>
          Effect.logWarning(`Recotap: skipped an account that could not be read: ${describeMalformed(record)}`),
        { discard: true }
      ),
      page.data
    ))
}

/**
 * The checkpoint of a sync: the server time of its first page, or, should the server not send
 * one, `startedAt` (taken just before the first request).
 */
export const checkpointOf = (first: ReadPage<unknown>, startedAt: DateTime.Utc): DateTime.Utc =>
  first.syncTimestamp ?? startedAt

/**
 * The `GET /accounts` parameters of a delta sync: `lastSync` moved back by the overlap window
 * (see `SyncAccountsParams.overlap`), sent as an ISO 8601 UTC instant. An overlap that is not a
 * finite duration fails before anything is sent, with an `InvalidRequest` `TransportError`.
 */
export const reachBack = (
  params: SyncAccountsParams,
  url: string
): Effect.Effect<ListAccountsParams, TransportError> => {
  const { overlap: given, ...list } = params
  const overlap = Duration.decodeUnknown(given ?? DEFAULT_SYNC_OVERLAP)
  if (Option.isNone(overlap) || !Duration.isFinite(overlap.value)) {
    return Effect.fail(
      TransportError.invalidRequest("GET", url, `overlap must be a finite duration, actual ${String(given)}`)
    )
  }
  if (list.lastSync === undefined || Duration.isZero(overlap.value)) return Effect.succeed(list)
  const from = instantOf(list.lastSync)
  return Effect.succeed(
    Option.match(from, {
      // A text `Date` cannot read (a week or ordinal date) is sent as given: the server reads it.
      onNone: () => list,
      onSome: (instant) => ({ ...list, lastSync: DateTime.subtractDuration(instant, overlap.value) })
    })
  )
}

const isIso8601Text = Schema.is(Iso8601String)

/** The instant of a `lastSync` as given. */
const instantOf = (lastSync: NonNullable<ListAccountsParams["lastSync"]>): Option.Option<DateTime.Utc> =>
  typeof lastSync === "string"
    // Text the server would refuse stays as given, to be refused before sending like any parameter.
    ? (isIso8601Text(lastSync) ? DateTime.make(lastSync) : Option.none())
    : lastSync instanceof Date
    ? DateTime.make(lastSync)
    : Option.some(DateTime.toUtc(lastSync))

/**
 * A delta sync over pages (typed or not): every item as a `Changed` or `Malformed` event, in page
 * order, then `Completed` with the checkpoint and the counts. It asks from `lastSync` moved back
 * by the overlap window (see {@link reachBack}). Each run starts afresh.
 */
export const syncOf = <A, E>(
  pagesFrom: (params: ListAccountsParams) => Stream.Stream<ReadPage<A>, E>,
  params: SyncAccountsParams,
  url: string
): Stream.Stream<AccountSyncEvent<A>, E | TransportError> =>
  Stream.unwrap(Effect.gen(function*() {
    const listParams = yield* reachBack(params, url)
    const startedAt = DateTime.unsafeMake(yield* Clock.currentTimeMillis)
    // This run's state: built anew each time the stream runs.
    let checkpoint: Option.Option<DateTime.Utc> = Option.none()
    let changed = 0
    let malformed = 0
    const events = pagesFrom(listParams).pipe(
      Stream.tap((page) =>
        Effect.sync(() => {
          if (Option.isNone(checkpoint)) checkpoint = Option.some(checkpointOf(page, startedAt))
          changed += page.data.length
          malformed += page.malformed.length
        })
      ),
      Stream.mapConcat((page): Array<AccountSyncEvent<A>> => pageEvents(page))
    )
    const completed = Stream.sync((): AccountSyncEvent<A> => ({
      _tag: "Completed",
      checkpoint: Option.getOrElse(checkpoint, () => startedAt),
      changed,
      malformed
    }))
    return Stream.concat(events, completed)
  }))

/** A record as received read as an account, as a page of one would read it; none when it cannot be. */
export const readAccount = (raw: unknown): Option.Option<Account> =>
  Either.match(decodeAccountsPage({ data: [raw], hasNextPage: false }), {
    onLeft: () => Option.none(),
    onRight: (page) => Option.fromNullable(page.data[0])
  })

/** `account #3 of its page (domain "…"): rtp_aid: is missing` */
export const describeMalformed = (record: MalformedAccount): string => {
  const raw: Readonly<Record<string, unknown>> = Predicate.isRecord(record.raw) ? record.raw : {}
  const names = (["rtp_aid", "domain"] as const).flatMap((key) => {
    const value = raw[key]
    return typeof value === "string" ? [`${key} ${JSON.stringify(truncate(value))}`] : []
  })
  return `account #${record.index} of its page${names.length === 0 ? "" : ` (${names.join(", ")})`}: ${record.error}`
}

const ListUnmapped = endpoint({
  operation: "accounts.listUnmapped",
  method: "GET",
  path: "/accounts/missing-external-ids",
  query: ListUnmappedParams,
  response: Schema.Array(UnmappedAccount)
})

/** Builds the accounts resource over the request path. */
export const makeAccounts = (requestPath: RequestPath): AccountsApi => {
  const ListAccounts = listAccounts(requestPath.revision)
  const listUrl = `${requestPath.baseUrl}/accounts`

  const list = (params: ListAccountsParams = {}) => requestPath.execute(ListAccounts, params)

  const pages = (params: ListAccountsParams = {}) => paginate(list, params, listUrl)

  const stream = (params: ListAccountsParams = {}, options: StreamAccountsOptions = {}) =>
    accountsOf(pages(params), options, listUrl)

  const sync = (params: SyncAccountsParams = {}) => syncOf(pages, params, listUrl)

  return {
    list,
    pages,
    ...makeAccountWrites(requestPath),
    listUnmapped: (params = {}) => requestPath.execute(ListUnmapped, params),
    stream,
    sync
  }
}
