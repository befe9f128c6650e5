/** The `accounts` resource: list, pages, stream and delta sync. */
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Accounts, type AccountSyncEvent, ListAccountsParams, type SyncAccountsParams } from "../Account.js"
import type { AccountsApi } from "../RecotapCrm.js"
import { type ReadError, TransportError } from "../RecotapError.js"
import type { Endpoint, Pipeline } from "./pipeline.js"
import { paginate } from "./paginate.js"

const ListAccounts: Endpoint<ListAccountsParams, Accounts> = {
  operation: "accounts.list",
  method: "GET",
  path: "/accounts",
  query: ListAccountsParams,
  response: Accounts
}

/** Builds the accounts resource over a pipeline. */
export const makeAccounts = (pipeline: Pipeline, baseUrl: string): AccountsApi => {
  const list = (params: ListAccountsParams = {}) => pipeline.read(ListAccounts, params)

  const pages = (params: ListAccountsParams = {}) => {
    const { cursor: start, ...rest } = params
    return paginate(
      (cursor) => list(cursor === undefined ? rest : { ...rest, cursor }),
      start,
      (detail) =>
        new TransportError({ reason: "Decode", method: "GET", url: `${baseUrl}${ListAccounts.path}`, detail })
    )
  }

  const sync = (params: SyncAccountsParams = {}): Stream.Stream<AccountSyncEvent, ReadError> =>
    Stream.unwrap(Effect.gen(function*() {
      // Fallback checkpoint, should the server omit syncTimestamp: the moment before the first request.
      const startedAt = DateTime.unsafeMake(yield* Clock.currentTimeMillis)
      let checkpoint: Option.Option<DateTime.Utc> = Option.none()
      const changed = pages(params).pipe(
        Stream.tap((page) =>
          Effect.sync(() => {
            if (Option.isNone(checkpoint)) checkpoint = Option.some(page.syncTimestamp ?? startedAt)
          })
        ),
        Stream.mapConcat((page) => page.data.map((account): AccountSyncEvent => ({ _tag: "Changed", account })))
      )
      const completed = Stream.sync((): AccountSyncEvent => ({
        _tag: "Completed",
        checkpoint: Option.getOrElse(checkpoint, () => startedAt)
      }))
      return Stream.concat(changed, completed)
    }))

  return {
    list,
    pages,
    stream: (params) => Stream.mapConcat(pages(params), (page) => page.data),
    sync
  }
}
