/**
 * How an outbox drains: takers hold up to `batchSize` items of the queue at once (each locked in
 * Redis while it is held), and each batch is settled kind by kind by `BulkSettle`'s engine (see
 * `./outboxSettle.ts`, which also says what is done with an item in doubt). An item leaves the
 * queue only once settled: `Applied`, or dead (`Rejected`, `Invalid`, `InDoubt`) and written to
 * the dead letters first. An item left `Unknown` or `Unavailable` goes back to the queue, one
 * attempt higher, and is a dead letter (`Unsettled`) once `maxAttempts` drains left it so. An
 * item's mark as sent goes once it has left the queue.
 */
import type * as PersistedQueue from "@effect/experimental/PersistedQueue"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Queue from "effect/Queue"
import * as Schema from "effect/Schema"
import type { RecotapCrm } from "../../RecotapCrm.js"
import type { KeyError } from "../settle.js"
import { type DeadLetter, type DrainOptions, OutboxItem } from "./outboxModel.js"
import { type Fate, type Kinds, type MarkStore, settleKinds, unsettled } from "./outboxSettle.js"
import { takeRequeuing } from "./persistedQueue.js"
import type { RedisCommandFailed } from "./redis.js"

/** What a drain keeps in Redis besides the queue: the marks, and the dead letters. */
export interface DrainStore extends MarkStore {
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

const decodeItem = Schema.decodeUnknownEither(OutboxItem)

/** Puts an item among the items of its kind. */
const place = (kinds: { [K in keyof Kinds]: Array<Kinds[K][number]> }, id: string, item: OutboxItem) => {
  switch (item._tag) {
    case "AccountPush":
      return kinds.accounts.push({ id, input: item.account })
    case "ExternalIdMapping":
      return kinds.mappings.push({ id, input: item.mapping })
    case "AccountUpdate":
      return kinds.updates.push({ id, input: { ref: item.ref, update: item.update } })
    case "DealPush":
      return kinds.deals.push({ id, input: item.deal })
    case "SalesActivityPush":
      return kinds.activities.push({ id, input: item.activity })
  }
}

/** The held items read as outbox items, sorted by kind; those that cannot be read are dead, `Invalid`. */
const sortByKind = (batch: ReadonlyArray<Held>) => {
  const kinds: { [K in keyof Kinds]: Array<Kinds[K][number]> } = {
    accounts: [],
    mappings: [],
    updates: [],
    deals: [],
    activities: []
  }
  const items = new Map<string, OutboxItem>()
  const unreadable = new Map<string, Fate>()
  for (const { element, id } of batch) {
    const decoded = decodeItem(element)
    if (Either.isLeft(decoded)) {
      unreadable.set(id, { _tag: "Dead", outcome: "Invalid", reason: `not an outbox item: ${decoded.left.message}` })
      continue
    }
    const item = decoded.right
    items.set(id, item)
    place(kinds, id, item)
  }
  return { kinds, items, unreadable }
}

/** What becomes of a held item: it leaves the queue (`dead`: once its dead letter is written), or goes back. */
type Release =
  | { readonly held: Held; readonly _tag: "Leave"; readonly dead: boolean }
  | { readonly held: Held; readonly _tag: "Back"; readonly reason: string }

/** Each held item's release by its fate, and the dead letters to write first. */
const releases = (
  batch: ReadonlyArray<Held>,
  fates: ReadonlyMap<string, Fate>,
  items: ReadonlyMap<string, OutboxItem>,
  maxAttempts: number
) => {
  const at = Date.now()
  const letters: Array<DeadLetter> = []
  const all = batch.map((held): Release => {
    const fate = fates.get(held.id) ?? unsettled("not settled")
    const attempts = held.attempts + 1
    if (fate._tag === "Settled") return { held, _tag: "Leave", dead: false }
    if (fate._tag === "Unsettled" && attempts < maxAttempts) return { held, _tag: "Back", reason: fate.reason }
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
      at
    })
    return { held, _tag: "Leave", dead: true }
  })
  return { letters, releases: all }
}

/** Writes the dead letters, then lets each item go; should the write fail, the dead go back to be settled again. */
const letGo = (store: DrainStore, letters: ReadonlyArray<DeadLetter>, all: ReadonlyArray<Release>) =>
  Effect.gen(function*() {
    const written = yield* Effect.either(store.deadLetter(letters))
    yield* Effect.forEach(all, (release) => {
      if (release._tag === "Back") return Deferred.fail(release.held.done, release.reason)
      if (release.dead && Either.isLeft(written)) return Deferred.fail(release.held.done, written.left.message)
      return Deferred.succeed(release.held.done, undefined)
    }, { discard: true })
  })

/** Settles one batch: each held item's fate, its dead letter written before it may leave the queue. */
const settleBatch = (batch: ReadonlyArray<Held>, store: DrainStore, options: DrainOptions) =>
  Effect.gen(function*() {
    const { items, kinds, unreadable } = sortByKind(batch)
    const fates = yield* settleKinds(kinds, store, options.settle ?? {})
    for (const [id, fate] of unreadable) fates.set(id, fate)
    const { letters, releases: all } = releases(batch, fates, items, options.maxAttempts ?? 5)
    yield* letGo(store, letters, all)
  })

/**
 * One taker: holds one item of the queue (offered to `inbox`) until its batch lets it go; then
 * clears its mark, or, put back, pauses `retryDelay`.
 */
const taker = (
  queue: PersistedQueue.PersistedQueue<unknown>,
  store: DrainStore,
  inbox: Queue.Enqueue<Held>,
  retryDelay: number
) =>
  takeRequeuing(queue, (element, { attempts, id }) =>
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

/** The next batch: what the takers hold, after a short wait for more, up to `batchSize`. */
const nextBatch = (inbox: Queue.Dequeue<Held>, batchSize: number) =>
  Effect.gen(function*() {
    const first = yield* Queue.takeBetween(inbox, 1, batchSize)
    yield* Effect.sleep(10)
    const more = yield* Queue.takeUpTo(inbox, batchSize - first.length)
    return [...first, ...more]
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
    const inbox = yield* Queue.unbounded<Held>()
    const takeOne = taker(queue, store, inbox, options.retryDelay ?? 1_000)
    yield* Effect.forkScoped(
      Effect.all(Array.from({ length: batchSize }, () => Effect.forever(takeOne)), {
        concurrency: "unbounded",
        discard: true
      })
    )
    return yield* Effect.forever(Effect.gen(function*() {
      const batch = yield* nextBatch(inbox, batchSize)
      yield* Effect.onError(settleBatch(batch, store, options), () =>
        Effect.forEach(batch, (held) => Deferred.fail(held.done, "drain failed")))
    }))
  }).pipe(Effect.scoped)
