/**
 * How a drain settles the items of one batch on Recotap: kind by kind, each through
 * `BulkSettle`'s engine (`../settle.ts`) and its resource (`../settleResources.ts`), and what
 * each outcome makes of its item (its fate: settled, dead, or back to the queue).
 *
 * Before a kind's items are sent they are marked as sent in Redis (with, for accounts, the
 * instant a read-back starts from). An item taken again with that mark (its drain died, or left
 * it unsettled, after a send that may have been applied) is in doubt:
 *
 * - an account is read back first: held as sent, it is settled without a send; absent, it is
 *   sent; unreadable, it waits for the next drain;
 * - the other kinds are sent again: updates, mappings and deals set the same values again;
 *   sales activities are create-only, so a resend refused (a repeated `externalActivityId`
 *   comes back `failed`) may mean the earlier send created it, or not: with nothing to read
 *   back, the item is dead `InDoubt`, never counted as applied nor as refused. The same holds
 *   of a resend refused within one settling write, after an answer that was lost.
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import type { AccountInput, ExternalIdMapping } from "../../Account.js"
import type { SettleAccountsOptions, SettledOutcome } from "../../BulkSettle.js"
import type { DealInput } from "../../Deal.js"
import { RecotapCrm, type RecotapCrmService } from "../../RecotapCrm.js"
import type { SalesActivityInput } from "../../SalesActivity.js"
import { domainKey } from "../accountWrites.js"
import { type KeyError, type Resource, settle } from "../settle.js"
import {
  accountsResource,
  type AccountUpdateInput,
  accountUpdatesResource,
  dealsResource,
  mappingsResource,
  salesActivitiesResource
} from "../settleResources.js"
import type { RedisCommandFailed } from "./redis.js"

/** Where a drain keeps its marks: the items whose send may have been applied. */
export interface MarkStore {
  /** The mark of each id (in order): the epoch millis a read-back starts from, `""` from the start, `null` unmarked. */
  readonly sentSince: (ids: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<string | null>, RedisCommandFailed>
  readonly markSent: (ids: ReadonlyArray<string>, since: number | undefined) => Effect.Effect<void, RedisCommandFailed>
  readonly clearSent: (id: string) => Effect.Effect<void, RedisCommandFailed>
}

/** An item of one kind, by its id in the outbox. */
export interface Taken<I> {
  readonly id: string
  readonly input: I
}

/** What a batch made of one item. */
export type Fate =
  | { readonly _tag: "Settled" }
  | { readonly _tag: "Dead"; readonly outcome: "Rejected" | "Invalid" | "InDoubt"; readonly reason: string }
  | { readonly _tag: "Unsettled"; readonly reason: string }

export const settled: Fate = { _tag: "Settled" }
export const unsettled = (reason: string): Fate => ({ _tag: "Unsettled", reason })
const dead = (outcome: "Rejected" | "Invalid" | "InDoubt", reason: string): Fate => ({ _tag: "Dead", outcome, reason })

/** A kind of item sent again when in doubt: its resource, what applying it does, and its key in one write. */
interface Resent<I, R> {
  readonly resource: (crm: RecotapCrmService, options: SettleAccountsOptions) => Resource<I, R>
  /** What an earlier send may have done, for the reason of an item left in doubt. */
  readonly applied: string
  /** Items sharing a key are settled in separate writes, in order: one write would refuse or race them. */
  readonly key: (input: I) => string
}

const updateKey = ({ ref }: AccountUpdateInput) =>
  // Recotap IDs are hexadecimal: either case names the same account.
  "externalId" in ref ? `externalId:${ref.externalId}` : `rtpAid:${ref.rtpAid.toLowerCase()}`

const updates: Resent<AccountUpdateInput, void> = {
  resource: accountUpdatesResource,
  applied: "applied",
  key: updateKey
}
const mappings: Resent<ExternalIdMapping, unknown> = {
  resource: mappingsResource,
  applied: "written",
  key: (mapping) => domainKey(mapping.domain)
}
const deals: Resent<DealInput, unknown> = {
  resource: dealsResource,
  applied: "upserted",
  key: (deal) => deal.externalDealId
}
const activities: Resent<SalesActivityInput, unknown> = {
  resource: salesActivitiesResource,
  applied: "created",
  key: (activity) => activity.externalActivityId
}

/** Whether the last step of an item was a send that Recotap refused. */
const lastSendRefused = (outcome: SettledOutcome<unknown, unknown>) => {
  const last = outcome.history[outcome.history.length - 1]
  return last?._tag === "Sent" && last.outcome === "Rejected"
}

/** What an outcome makes of its item; `doubted`: taken with a mark, so an earlier send may have applied it. */
const fateOf =
  <I, R>(resource: Resource<I, R>, applied: string, doubted: boolean) => (outcome: SettledOutcome<I, R>): Fate => {
    switch (outcome._tag) {
      case "Applied":
        return settled
      case "Invalid":
        return dead("Invalid", outcome.error)
      case "Rejected":
        // Refused, perhaps because the earlier send applied it, perhaps not: the resource says
        // whether that refusal can tell (a mapping's `notFound` can; a duplicate activity cannot).
        return doubted && resource.rejection?.(outcome, true) === "unknown"
          ? dead(
            "InDoubt",
            `may already have been ${applied} before a crash: a drain sent it and ended before acknowledging it, ` +
              `and sent again it was refused (${outcome.status}: ${outcome.error}); ` +
              (resource.unverifiable ?? "nothing can tell whether the earlier send applied it")
          )
          : dead("Rejected", outcome.error)
      case "Unknown":
        // Refused when sent again after a lost answer, with nothing to read back: nothing more to learn.
        return resource.unknown === "resend" && lastSendRefused(outcome)
          ? dead("InDoubt", `may already have been ${applied}: ${outcome.reason}`)
          : unsettled(`unknown: ${outcome.reason}`)
      case "Unavailable":
        return unsettled(`unavailable: ${outcome.error.message}`)
    }
  }

/**
 * Marks `items` as sent (from `since`), settles them in one settling write, and gives their
 * fates. An item certainly not processed, and not in doubt before, loses its mark again.
 */
const send = <I, R>(
  resource: Resource<I, R>,
  applied: string,
  items: ReadonlyArray<Taken<I>>,
  doubted: ReadonlySet<string>,
  store: MarkStore,
  options: SettleAccountsOptions,
  since: number | undefined
) =>
  Effect.gen(function*() {
    yield* store.markSent(items.map((item) => item.id), since)
    const result = yield* settle(resource, items.map((item) => item.input), options)
    const fates = new Map<string, Fate>()
    for (const [i, outcome] of result.outcomes.entries()) {
      const { id } = items[i]!
      fates.set(id, fateOf(resource, applied, doubted.has(id))(outcome))
      if (outcome._tag === "Unavailable" && !doubted.has(id)) yield* store.clearSent(id)
    }
    return fates
  })

/** The ids among `items` that carry a mark, and their marks. */
const marksOf = <I>(items: ReadonlyArray<Taken<I>>, store: MarkStore) =>
  Effect.map(store.sentSince(items.map((item) => item.id)), (marks) =>
    new Map(items.flatMap((item, i) => {
      const mark = marks[i]
      return mark === null || mark === undefined ? [] : [[item.id, mark] as const]
    })))

/** `items` cut into runs in which no two share a key, each run in order. */
const waves = <I>(items: ReadonlyArray<Taken<I>>, key: (input: I) => string) => {
  const runs: Array<{ readonly items: Array<Taken<I>>; readonly keys: Set<string> }> = []
  for (const item of items) {
    const k = key(item.input)
    let run = runs.find(({ keys }) => !keys.has(k))
    if (run === undefined) runs.push(run = { items: [], keys: new Set() })
    run.items.push(item)
    run.keys.add(k)
  }
  return runs.map(({ items }) => items)
}

/** A kind that is sent again when in doubt: wave after wave, each one settling write. */
const settleResent = <I, R>(
  kind: Resent<I, R>,
  items: ReadonlyArray<Taken<I>>,
  store: MarkStore,
  options: SettleAccountsOptions
) =>
  Effect.gen(function*() {
    const resource = kind.resource(yield* RecotapCrm, options)
    const doubted = new Set((yield* marksOf(items, store)).keys())
    const fates = new Map<string, Fate>()
    for (const wave of waves(items, kind.key)) {
      for (const [id, fate] of yield* send(resource, kind.applied, wave, doubted, store, options, undefined)) {
        fates.set(id, fate)
      }
    }
    return fates
  })

/** Accounts: the marked ones read back first, then what must be sent, marked, then settled. */
const settleAccounts = (items: ReadonlyArray<Taken<AccountInput>>, store: MarkStore, options: SettleAccountsOptions) =>
  Effect.gen(function*() {
    const resource = accountsResource(yield* RecotapCrm, options)
    const marks = yield* marksOf(items, store)
    const doubtful = items.filter((item) => marks.has(item.id))
    const fates = new Map<string, Fate>()
    if (doubtful.length > 0 && resource.readBack !== undefined) {
      const verdicts = yield* resource.readBack(doubtful.map((item) => {
        const mark = marks.get(item.id)
        return {
          input: item.input,
          since: mark === "" || mark === undefined ? undefined : DateTime.unsafeMake(Number(mark))
        }
      }))
      doubtful.forEach((item, i) => {
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
    const doubted = new Set(marks.keys())
    const from = since === undefined ? undefined : DateTime.toEpochMillis(since)
    const sent = yield* send(resource, "created", sending, doubted, store, options, from)
    for (const [id, fate] of sent) fates.set(id, fate)
    return fates
  })

/** The items of one batch, by kind. */
export interface Kinds {
  readonly accounts: ReadonlyArray<Taken<AccountInput>>
  readonly mappings: ReadonlyArray<Taken<ExternalIdMapping>>
  readonly updates: ReadonlyArray<Taken<AccountUpdateInput>>
  readonly deals: ReadonlyArray<Taken<DealInput>>
  readonly activities: ReadonlyArray<Taken<SalesActivityInput>>
}

/**
 * Settles each kind of a batch, one after another (accounts first, so an update or a mapping
 * finds the account pushed in the same batch): each item's fate. A kind whose marks cannot be
 * read or written in Redis is not sent: its items are unsettled.
 */
export const settleKinds = (
  kinds: Kinds,
  store: MarkStore,
  options: SettleAccountsOptions
): Effect.Effect<Map<string, Fate>, KeyError, RecotapCrm> =>
  Effect.gen(function*() {
    const fates = new Map<string, Fate>()
    const run = <I>(
      items: ReadonlyArray<Taken<I>>,
      settleThem: Effect.Effect<Map<string, Fate>, KeyError | RedisCommandFailed, RecotapCrm>
    ) =>
      items.length === 0 ? Effect.void : settleThem.pipe(
        Effect.catchTag(
          "RedisCommandFailed",
          (error) => Effect.succeed(new Map(items.map((item) => [item.id, unsettled(error.message)])))
        ),
        Effect.map((found) => found.forEach((fate, id) => fates.set(id, fate)))
      )
    yield* run(kinds.accounts, settleAccounts(kinds.accounts, store, options))
    yield* run(kinds.mappings, settleResent(mappings, kinds.mappings, store, options))
    yield* run(kinds.updates, settleResent(updates, kinds.updates, store, options))
    yield* run(kinds.deals, settleResent(deals, kinds.deals, store, options))
    yield* run(kinds.activities, settleResent(activities, kinds.activities, store, options))
    return fates
  })
