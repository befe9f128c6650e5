/**
 * How an outbox drains: takers hold up to `batchSize` items of the queue at once (each locked in
 * Redis while it is held), and each batch is settled by `BulkSettle`'s engine, one settling write
 * per kind of item. An item leaves the queue only once settled: `Applied`, or `Rejected` /
 * `Invalid` and written to the dead letters first. An item left `Unknown` or `Unavailable` goes
 * back to the queue, one attempt higher, and is a dead letter once `maxAttempts` drains left it
 * so.
 *
 * Exactly once on Recotap: before a batch is sent, its items are marked as sent (with the
 * instant a read-back starts from). An item taken again with that mark (its drain died, or left
 * it unsettled, after a send that may have been applied) is read back before anything is sent:
 * held as sent, it is `Applied` without a send; absent, it is sent; unreadable, it waits for the
 * next drain. The mark goes once the item has left the queue. Deals are upserts: sent again.
 */
import type * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as DateTime from "effect/DateTime"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type { AccountInput } from "../../Account.js"
import type { SettledOutcome } from "../../BulkSettle.js"
import type { DealInput } from "../../Deal.js"
import { RecotapCrm } from "../../RecotapCrm.js"
import { type KeyError, settle } from "../settle.js"
import { accountsResource, dealsResource } from "../settleResources.js"
import { type DeadLetter, type DrainOptions, OutboxItem } from "./outboxModel.js"
import { takeRequeuing } from "./persistedQueue.js"
import type { RedisCommandFailed } from "./redis.js"

/** What a drain keeps in Redis besides the queue. */
export interface DrainStore {
  /** The mark of each id (in order): the epoch millis a read-back starts from, `""` from the start, `null` unmarked. */
  readonly sentSince: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string | null>, RedisCommandFailed>
  readonly markSent: (ids: ReadonlyArray<string>, since: number | undefined) => Effect.Effect<void, RedisCommandFailed>
  readonly clearSent: (id: string) => Effect.Effect<void, RedisCommandFailed>
  readonly deadLetter: (letters: ReadonlyArray<DeadLetter>) => Effect.Effect<void, RedisCommandFailed>
}

/** An item held by a taker until its batch has settled it. */
interface Held {
  readonly id: string
  readonly attempts: number
  readonly element: unknown
  /** Succeeds to let the item leave the queue, fails to put it back. */
  readonly done: Deferred.Deferred<void, string>
}

/** What a batch made of one item. */
type Fate =
  | { readonly _tag: "Settled" }
  | { readonly _tag: "Dead"; readonly outcome: "Rejected" | "Invalid"; readonly reason: string }
  | { readonly _tag: "Unsettled"; readonly reason: string }

const settled: Fate = { _tag: "Settled" }
const unsettled = (reason: string): Fate => ({ _tag: "Unsettled", reason })

const fateOf = (outcome: SettledOutcome<unknown, unknown>): Fate => {
  switch (outcome._tag) {
    case "Applied":
      return settled
    case "Rejected":
    case "Invalid":
      return { _tag: "Dead", outcome: outcome._tag, reason: outcome.error }
    case "Unknown":
      return unsettled(`unknown: ${outcome.reason}`)
    case "Unavailable":
      return unsettled(`unavailable: ${outcome.error.message}`)
  }
}

/** Accounts: the marked ones read back first, then what must be sent, marked, then settled. */
const settleAccounts = (
  items: ReadonlyArray<Held & { readonly input: AccountInput }>,
  store: DrainStore,
  options: DrainOptions
) =>
  Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const resource = accountsResource(crm, options.settle ?? {})
    const fates = new Map<string, Fate>()
    const marks = yield* store.sentSince(items.map((item) => item.id))
    const doubtful = items.flatMap((item, i) => {
      const mark = marks[i]
      return mark === null || mark === undefined ? [] : [{ item, since: mark === "" ? undefined : Number(mark) }]
    })
    if (doubtful.length > 0 && resource.readBack !== undefined) {
      const verdicts = yield* resource.readBack(doubtful.map(({ item, since }) => ({
        input: item.input,
        since: since === undefined ? undefined : DateTime.unsafeMake(since)
      })))
      doubtful.forEach(({ item }, i) => {
        const verdict = verdicts[i] ?? { found: "ReadFailed", detail: "no verdict" }
        if (verdict.found === "Applied") fates.set(item.id, settled)
        else if (verdict.found === "Unreadable" || verdict.found === "ReadFailed") {
          fates.set(item.id, unsettled(`read back: ${verdict.detail}`))
        }
      })
    }
    const sending = items.filter((item) => !fates.has(item.id))
    if (sending.length === 0) return fates
    const since = resource.checkpoint === undefined ? undefined : yield* resource.checkpoint
    yield* store.markSent(
      sending.map((item) => item.id),
      since === undefined ? undefined : DateTime.toEpochMillis(since)
    )
    const result = yield* settle(resource, sending.map((item) => item.input), options.settle ?? {})
    result.outcomes.forEach((outcome, i) => fates.set(sending[i]!.id, fateOf(outcome)))
    return fates
  })

/** Deals: upserts by `externalDealId`, safe to send again. */
const settleDeals = (items: ReadonlyArray<Held & { readonly input: DealInput }>, options: DrainOptions) =>
  Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const result = yield* settle(
      dealsResource(crm, options.settle ?? {}),
      items.map((item) => item.input),
      options.settle ?? {}
    )
    return new Map(result.outcomes.map((outcome, i) => [items[i]!.id, fateOf(outcome)]))
  })

const decodeItem = Schema.decodeUnknownEither(OutboxItem)

/** Settles one batch: each held item's fate, its dead letter written before it may leave the queue. */
const settleBatch = (batch: ReadonlyArray<Held>, store: DrainStore, options: DrainOptions) =>
  Effect.gen(function*() {
    const maxAttempts = options.maxAttempts ?? 5
    const fates = new Map<string, Fate>()
    const accounts: Array<Held & { readonly input: AccountInput }> = []
    const deals: Array<Held & { readonly input: DealInput }> = []
    const items = new Map<string, OutboxItem>()
    for (const held of batch) {
      const decoded = decodeItem(held.element)
      if (decoded._tag === "Left") {
        fates.set(held.id, { _tag: "Dead", outcome: "Invalid", reason: `not an outbox item: ${decoded.left.message}` })
        continue
      }
      items.set(held.id, decoded.right)
      if (decoded.right._tag === "AccountPush") accounts.push({ ...held, input: decoded.right.account })
      else deals.push({ ...held, input: decoded.right.deal })
    }
    const storeFailed = (error: RedisCommandFailed) =>
      Effect.succeed(
        new Map<string, Fate>(
          batch.map((held) => [held.id, unsettled(error.message)])
        )
      )
    for (
      const found of [
        accounts.length === 0
          ? new Map<string, Fate>()
          : yield* Effect.catchTag(settleAccounts(accounts, store, options), "RedisCommandFailed", storeFailed),
        deals.length === 0 ? new Map<string, Fate>() : yield* settleDeals(deals, options)
      ]
    ) for (const [id, fate] of found) fates.set(id, fate)
    const now = Date.now()
    const letters: Array<DeadLetter> = []
    const release: Array<Effect.Effect<boolean>> = []
    for (const held of batch) {
      const fate = fates.get(held.id) ?? unsettled("not settled")
      const attempts = held.attempts + 1
      if (fate._tag === "Settled") {
        release.push(Deferred.succeed(held.done, undefined))
      } else if (fate._tag === "Dead" || attempts >= maxAttempts) {
        const [outcome, reason] = fate._tag === "Dead"
          ? [fate.outcome, fate.reason]
          : ["Unsettled" as const, `${fate.reason} (after ${attempts} attempts)`]
        letters.push({
          id: held.id,
          item: items.get(held.id) ?? null,
          element: held.element,
          outcome,
          reason,
          attempts,
          at: now
        })
        release.push(Deferred.succeed(held.done, undefined))
      } else {
        release.push(Deferred.fail(held.done, fate.reason))
      }
    }
    const written = yield* Effect.either(store.deadLetter(letters))
    if (written._tag === "Left") {
      // Not written: every dead item goes back to the queue, to be settled again.
      const dead = new Set(letters.map((letter) => letter.id))
      yield* Effect.forEach(batch, (held) =>
        dead.has(held.id) ? Deferred.fail(held.done, written.left.message) : Effect.void)
    }
    yield* Effect.all(release)
  })

/**
 * Drains `queue` until interrupted. Fails only when the key is missing or refused (the batch in
 * hand goes back to the queue).
 */
export const drainQueue = (
  queue: PersistedQueue.PersistedQueue<unknown>,
  store: DrainStore,
  options: DrainOptions
): Effect.Effect<never, KeyError, RecotapCrm> =>
  Effect.gen(function*() {
    const batchSize = Math.max(1, options.batchSize ?? 100)
    const retryDelay = options.retryDelay ?? 1_000
    const inbox = yield* Queue.unbounded<Held>()
    const takeOne = takeRequeuing(queue, (element, { attempts, id }) =>
      Effect.gen(function*() {
        const done = yield* Deferred.make<void, string>()
        yield* Queue.offer(inbox, { id, attempts, element, done })
        yield* Deferred.await(done)
        return id
      })).pipe(
        Effect.flatMap((id) => Effect.ignore(store.clearSent(id))),
        Effect.catchAll((error) =>
          Effect.zipRight(
            Effect.logDebug(`outbox: item back in the queue: ${typeof error === "string" ? error : error.message}`),
            Effect.sleep(retryDelay)
          )
        )
      )
    yield* Effect.forkScoped(
      Effect.all(Array.from({ length: batchSize }, () => Effect.forever(takeOne)), {
        concurrency: "unbounded",
        discard: true
      })
    )
    return yield* Effect.forever(Effect.gen(function*() {
      const first = yield* Queue.takeBetween(inbox, 1, batchSize)
      yield* Effect.sleep(10)
      const more = yield* Queue.takeUpTo(inbox, batchSize - first.length)
      const batch = [...first, ...more]
      yield* Effect.onError(settleBatch(batch, store, options), () =>
        Effect.forEach(batch, (held) => Deferred.fail(held.done, "drain failed")))
    }))
  }).pipe(Effect.scoped)
