/**
 * Bulk writes that settle: run a bulk write until every item is `Applied`, `Rejected` or
 * `Invalid`, within a bounded number of rounds.
 *
 * Round 1 sends every item as the plain bulk method does (`accounts.push`, `deals.push`, ...).
 * Then, round after round:
 *
 * - `Unavailable` items (certainly not processed) are sent again, after the wait Recotap asked for
 *   (the largest `retryAfterMillis` among them) or a backoff.
 * - `Unknown` items (may or may not have been applied) are reconciled first, in the way the
 *   resource allows, and sent again only when that shows they were not applied:
 *   - accounts (create-only): read back. With the External revision, by domain (`accounts.list`
 *     with `domains`); with the CRM revision, which has no `domains` filter, by a delta read
 *     (`lastSync`) since just before the write that left them unknown, taken from the server's
 *     own `syncTimestamp`. An account is applied when Recotap holds one with its domain, its name
 *     (case and spacing aside) and, given, its `externalId`.
 *   - deal stages (create-only, all or nothing per request): `dealStages.list()`; a pipeline is
 *     applied when it is listed with its label and stage IDs (as far as the list shows them).
 *   - sales activities (create-only, no read endpoint): sent again; a `failed` answer saying the
 *     ID already exists means the earlier send was applied.
 *   - deals, account upserts, external-ID mappings: sent again, which is safe.
 *
 * A read-back that fails leaves its items `Unknown` for the next round: they are not sent again
 * on a guess. What is still `Unavailable` or `Unknown` after the last round is returned as such,
 * never as applied; an item that was ever `Unknown` and never settled stays `Unknown` (not
 * `Unavailable`), since an earlier send may have applied it.
 *
 * The waits run on the Effect clock (`Effect.sleep`), so tests drive them with `TestClock`.
 *
 * @since 0.1.0
 */
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type {
  Account,
  AccountInput,
  AccountPushResult,
  Accounts,
  ExternalIdMapping,
  MappingResponse,
  PushAccountsOptions
} from "./Account.js"
import {
  type AppliedStatus,
  type BulkOptions,
  type BulkOutcome,
  type BulkResult,
  type BulkSummary,
  type Invalid,
  type Rejected,
  summarize,
  type Unavailable,
  type Unknown
} from "./Bulk.js"
import type { DealInput, DealResult } from "./Deal.js"
import type { DealPipeline, DealPipelineInput, DealPipelineResult } from "./DealStage.js"
import { normalizeDomain } from "./Domain.js"
import { domainKey } from "./internal/accountWrites.js"
import { RecotapConfig, type Revision } from "./RecotapConfig.js"
import { RecotapCrm, type RecotapCrmService } from "./RecotapCrm.js"
import type { InvalidApiKey, MissingApiKey, ReadError, TransportError } from "./RecotapError.js"
import type { SalesActivityInput, SalesActivityResult } from "./SalesActivity.js"

// ---------------------------------------------------------------------------------------------
// Public models
// ---------------------------------------------------------------------------------------------

/**
 * Options of every settling write.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleOptions extends BulkOptions {
  /** Rounds of writes at most, the first included (default 5): an item is sent at most this many times. */
  readonly maxRounds?: number
  /**
   * The wait before round 2 when Recotap named none (no `Retry-After`); doubled each round, up to
   * 30 seconds or `backoff` if larger (default 1 second).
   */
  readonly backoff?: Duration.DurationInput
  /**
   * The longest wait between two rounds (default 5 minutes). When Recotap asks for a longer one,
   * settling stops there: the items it concerns stay `Unavailable`, their `error` saying when to
   * come back (`retryAfterMillis`).
   */
  readonly maxWait?: Duration.DurationInput
}

/**
 * Options of {@link settleAccountPush}: those of `accounts.push` and of settling.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleAccountsOptions extends SettleOptions, PushAccountsOptions {
  /**
   * The revision the client speaks, which decides how accounts are read back: by domain
   * (`external`) or by a delta read (`crm`). Default: the `RecotapConfig` in context. Give it when
   * the client was built with settings that are not in the context (as `RecotapSimulator.layerCrm`
   * does). A wrong guess costs requests, not correctness: a client that refuses the `domains`
   * filter is read back by a delta read instead.
   */
  readonly revision?: Revision
}

/**
 * What a reconciliation found about one item:
 *
 * - `Applied`: Recotap holds it as it was sent.
 * - `Absent`: Recotap does not hold it: it is sent again.
 * - `Conflict`: Recotap holds another record under its key, so this item was not applied: it is
 *   sent again, and Recotap's answer to that is final.
 * - `Unreadable`: a record under its key could not be read: it stays unknown.
 * - `ReadFailed`: the read failed: it stays unknown, to be read back next round.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadBackFinding = "Applied" | "Absent" | "Conflict" | "Unreadable" | "ReadFailed"

/**
 * One step of an item's way to its outcome: a send and what its answer said, or a read-back and
 * what it found.
 *
 * @since 0.1.0
 * @category models
 */
export type SettleStep =
  | { readonly _tag: "Sent"; readonly round: number; readonly outcome: BulkOutcome<unknown, unknown>["_tag"] }
  | { readonly _tag: "ReadBack"; readonly round: number; readonly found: ReadBackFinding; readonly detail: string }

/**
 * How an item got to its outcome.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleInfo {
  /** The round its outcome was decided in (the last round it was sent or read back in; 0 if never sent). */
  readonly rounds: number
  /** How many times it was sent (0 for an `Invalid` item). */
  readonly sends: number
  /** Every send and read-back, in order. */
  readonly history: ReadonlyArray<SettleStep>
}

/**
 * Recotap applied the item: its answer said so (`reconciled: false`, with `status` and `result`),
 * or a reconciliation proved it (`reconciled: true`, `evidence` says how; `status` is `created`,
 * as only create-only writes are reconciled, and `result` is absent).
 *
 * @since 0.1.0
 * @category models
 */
export interface SettledApplied<I, R> extends SettleInfo {
  readonly _tag: "Applied"
  readonly index: number
  readonly input: I
  readonly status: AppliedStatus
  /** Its entry in Recotap's answer, when an answer said it was applied. */
  readonly result: R | undefined
  /** Whether a reconciliation (a read-back, or a duplicate refusal of a resend) proved it. */
  readonly reconciled: boolean
  /** What proved it, when reconciled. */
  readonly evidence: string | undefined
}

/**
 * The final outcome of one item: settled (`Applied`, `Rejected`, `Invalid`), or still
 * `Unavailable` / `Unknown` after the last round (with the meanings of `Bulk`).
 *
 * @since 0.1.0
 * @category models
 */
export type SettledOutcome<I, R> =
  | SettledApplied<I, R>
  | (Rejected<I> & SettleInfo)
  | (Invalid & SettleInfo)
  | (Unavailable<I> & SettleInfo)
  | (Unknown<I> & SettleInfo)

/**
 * The counts of {@link SettledOutcome}s, and how the settling went.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleSummary extends BulkSummary {
  /** Rounds of writes run. */
  readonly rounds: number
  /** Applied items proven by a reconciliation rather than by an answer. */
  readonly reconciled: number
  /** Items sent more than once. */
  readonly resent: number
  /** Whether every item ended `Applied`, `Rejected` or `Invalid`. */
  readonly settled: boolean
}

/**
 * One final outcome per input item, in input order, and their counts.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleResult<I, R> {
  readonly outcomes: ReadonlyArray<SettledOutcome<I, R>>
  readonly summary: SettleSummary
}

/**
 * The inputs still `Unavailable` or `Unknown` after settling, in input order.
 *
 * @since 0.1.0
 * @category utils
 */
export const unsettledInputs = <I, R>(result: SettleResult<I, R>): ReadonlyArray<I> =>
  result.outcomes.flatMap((outcome) =>
    outcome._tag === "Unavailable" || outcome._tag === "Unknown" ? [outcome.input] : []
  )

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

type KeyError = MissingApiKey | InvalidApiKey

/** What a `Rejected` answer means for an item: final, proof of an earlier apply, or a reason to read back or resend. */
type RejectionMeaning = "final" | "applied" | "readBack" | "resend"

/** A reconciliation's finding about one item, with what it saw. */
interface Verdict {
  readonly found: ReadBackFinding
  readonly detail: string
}

/** An item to read back, and the instant its doubt began (just before the write that left it unknown). */
interface ReadBackItem<I> {
  readonly input: I
  readonly since: DateTime.Utc | undefined
}

/** How one resource is written, and how its unknown items are reconciled. */
interface Resource<I, R> {
  readonly operation: string
  readonly push: (items: ReadonlyArray<I>) => Effect.Effect<BulkResult<I, R>, KeyError>
  /** What an `Unknown` item needs: a read-back before it may be sent again, or just a resend (safe). */
  readonly unknown: "readBack" | "resend"
  /** What a `Rejected` answer means; `inDoubt` when an earlier send of the item may have been applied. */
  readonly rejection?: (rejected: Rejected<I>, inDoubt: boolean) => RejectionMeaning
  /** The instant to read back from, taken just before each write (for delta reads). */
  readonly checkpoint?: Effect.Effect<DateTime.Utc | undefined, KeyError>
  /** Reads back what Recotap holds: one verdict per item, in order. Read failures are verdicts, not errors. */
  readonly readBack?: (items: ReadonlyArray<ReadBackItem<I>>) => Effect.Effect<ReadonlyArray<Verdict>, KeyError>
}

type Core<I, R> =
  | Omit<SettledApplied<I, R>, keyof SettleInfo>
  | Rejected<I>
  | Invalid
  | Unavailable<I>
  | Unknown<I>

/** One item's state across rounds. */
interface Track<I, R> {
  readonly index: number
  readonly input: I
  phase: "send" | "readBack" | "done"
  final: Core<I, R> | undefined
  /** The last answer that did not settle it. */
  last: Unavailable<I> | Unknown<I> | Rejected<I> | undefined
  /** An earlier send may have been applied. */
  inDoubt: boolean
  /** The error of the latest send whose fate is unknown. */
  doubtError: TransportError | undefined
  /** The round of the first send whose fate is unknown: its checkpoint bounds the read-back. */
  doubtRound: number | undefined
  sends: number
  rounds: number
  readonly history: Array<SettleStep>
}

const DEFAULT_MAX_ROUNDS = 5
const DEFAULT_BACKOFF_MILLIS = 1_000
const BACKOFF_CAP_MILLIS = 30_000
const DEFAULT_MAX_WAIT_MILLIS = 5 * 60_000

/** A duration option in millis: the default when absent, `undefined` when invalid (negative, infinite, unreadable). */
const millisOption = (input: Duration.DurationInput | undefined, fallback: number): number | undefined => {
  if (input === undefined) return fallback
  const decoded = Duration.decodeUnknown(input)
  if (Option.isNone(decoded)) return undefined
  const millis = Duration.toMillis(decoded.value)
  return Number.isFinite(millis) && millis >= 0 ? millis : undefined
}

interface Plan {
  readonly maxRounds: number
  readonly backoff: number
  readonly maxWait: number
}

const planOf = (options: SettleOptions): Plan | string => {
  const maxRounds = options.maxRounds ?? DEFAULT_MAX_ROUNDS
  if (!Number.isInteger(maxRounds) || maxRounds < 1) return "options.maxRounds must be a positive integer"
  const backoff = millisOption(options.backoff, DEFAULT_BACKOFF_MILLIS)
  if (backoff === undefined) return "options.backoff must be a finite, non-negative duration"
  const maxWait = millisOption(options.maxWait, DEFAULT_MAX_WAIT_MILLIS)
  if (maxWait === undefined) return "options.maxWait must be a finite, non-negative duration"
  return { maxRounds, backoff, maxWait }
}

/** The backoff before round `round` (2, 3, ...): doubling from `backoff`, capped. */
const backoffBefore = (plan: Plan, round: number): number =>
  Math.min(plan.backoff * 2 ** Math.max(0, round - 2), Math.max(plan.backoff, BACKOFF_CAP_MILLIS))

/** Runs the rounds of one settling write. Fails only when the key is missing or refused. */
const settle = <I, R>(
  resource: Resource<I, R>,
  inputs: Iterable<I>,
  options: SettleOptions
): Effect.Effect<SettleResult<I, R>, KeyError> =>
  Effect.gen(function*() {
    const given = Array.from(inputs)
    const tracks: Array<Track<I, R>> = given.map((input, index) => ({
      index,
      input,
      phase: "send",
      final: undefined,
      last: undefined,
      inDoubt: false,
      doubtError: undefined,
      doubtRound: undefined,
      sends: 0,
      rounds: 0,
      history: []
    }))
    const plan = planOf(options)
    if (typeof plan === "string") {
      // As the bulk methods do with invalid options: every item is Invalid, nothing is sent.
      for (const track of tracks) {
        track.phase = "done"
        track.final = { _tag: "Invalid", index: track.index, input: track.input, error: plan }
      }
      return finish(tracks, 0)
    }

    const checkpoints = new Map<number, DateTime.Utc>()
    /** The checkpoint of `round`, or the latest one before it (an earlier instant reads more, never less). */
    const sinceFor = (round: number | undefined): DateTime.Utc | undefined => {
      for (let r = round ?? 0; r >= 1; r--) {
        const checkpoint = checkpoints.get(r)
        if (checkpoint !== undefined) return checkpoint
      }
      return undefined
    }

    const finalize = (track: Track<I, R>, core: Core<I, R>) => {
      track.phase = "done"
      track.final = core
    }

    const applied = (track: Track<I, R>, evidence: string) =>
      finalize(track, {
        _tag: "Applied",
        index: track.index,
        input: track.input,
        status: "created",
        result: undefined,
        reconciled: true,
        evidence
      })

    /** What one answer means for its item. */
    const onAnswer = (track: Track<I, R>, outcome: BulkOutcome<I, R>, round: number) => {
      // Checked here and never sent: no send, no step.
      if (outcome._tag === "Invalid") return finalize(track, { ...outcome, index: track.index })
      track.sends += 1
      track.rounds = round
      track.history.push({ _tag: "Sent", round, outcome: outcome._tag })
      switch (outcome._tag) {
        case "Applied":
          return finalize(track, {
            _tag: "Applied",
            index: track.index,
            input: track.input,
            status: outcome.status,
            result: outcome.result,
            reconciled: false,
            evidence: undefined
          })
        case "Rejected": {
          const rejected: Rejected<I> = { ...outcome, index: track.index }
          const meaning = resource.rejection?.(rejected, track.inDoubt) ?? "final"
          switch (meaning) {
            case "final":
              return finalize(track, rejected)
            case "applied":
              return applied(track, `sent again after an unknown outcome, and refused as a duplicate: ${outcome.error}`)
            case "readBack":
            case "resend":
              track.last = rejected
              track.phase = meaning === "readBack" ? "readBack" : "send"
              return
          }
          return
        }
        case "Unavailable": {
          const unavailable: Unavailable<I> = { ...outcome, index: track.index }
          // A base URL that does not serve the endpoint, or a request that cannot be sent, will not change.
          const hopeless = outcome.error.status === 404 || outcome.error.reason === "InvalidRequest"
          if (hopeless && !track.inDoubt) return finalize(track, unavailable)
          track.last = unavailable
          track.phase = hopeless ? "done" : "send"
          return
        }
        case "Unknown": {
          track.last = { ...outcome, index: track.index }
          track.inDoubt = true
          track.doubtError = outcome.error
          track.doubtRound ??= round
          track.phase = resource.unknown === "readBack" ? "readBack" : "send"
          return
        }
      }
    }

    /** Reads back the items waiting for it; those proven absent or conflicting go back to be sent. */
    const reconcile = (round: number) =>
      Effect.gen(function*() {
        const waiting = tracks.filter((track) => track.phase === "readBack")
        if (waiting.length === 0 || resource.readBack === undefined) return
        const verdicts = yield* resource.readBack(
          waiting.map((track) => ({ input: track.input, since: sinceFor(track.doubtRound) }))
        )
        waiting.forEach((track, i) => {
          const verdict: Verdict = verdicts[i] ?? { found: "ReadFailed", detail: "no verdict" }
          track.rounds = round
          track.history.push({ _tag: "ReadBack", round, found: verdict.found, detail: verdict.detail })
          switch (verdict.found) {
            case "Applied":
              return applied(track, verdict.detail)
            case "Absent":
              track.phase = "send"
              return
            case "Conflict":
              // Another record holds its key: this item was not applied, and cannot be later.
              track.inDoubt = false
              track.doubtRound = undefined
              track.phase = "send"
              return
            case "Unreadable":
            case "ReadFailed":
              return
          }
        })
      })

    let rounds = 0
    let stopped = false
    for (let round = 1; round <= plan.maxRounds; round++) {
      if (!tracks.some((track) => track.phase === "send" || track.phase === "readBack")) break
      if (round > 1) {
        // The longest wait Recotap asked for; beyond maxWait, settling stops here. Otherwise a backoff.
        let retryAfter: number | undefined
        for (const track of tracks) {
          const asked = track.phase === "send" && track.last?._tag === "Unavailable"
            ? track.last.error.retryAfterMillis
            : undefined
          if (asked !== undefined) retryAfter = Math.max(retryAfter ?? 0, asked)
        }
        if (retryAfter !== undefined && retryAfter > plan.maxWait) {
          stopped = true
          break
        }
        yield* Effect.sleep(Duration.millis(retryAfter ?? Math.min(backoffBefore(plan, round), plan.maxWait)))
        yield* reconcile(round)
      }
      const sending = tracks.filter((track) => track.phase === "send")
      if (sending.length === 0) continue
      rounds = round
      yield* Effect.logDebug(`Recotap ${resource.operation}: round ${round}: sending ${sending.length} items`)
      if (resource.checkpoint !== undefined) {
        const checkpoint = yield* resource.checkpoint
        if (checkpoint !== undefined) checkpoints.set(round, checkpoint)
      }
      const result = yield* resource.push(sending.map((track) => track.input))
      for (const outcome of result.outcomes) {
        const track = sending[outcome.index]
        if (track !== undefined) onAnswer(track, outcome, round)
      }
    }
    // The last round's unknown items get one more read-back (without a resend): it may settle them.
    if (tracks.some((track) => track.phase === "readBack")) {
      if (!stopped) yield* Effect.sleep(Duration.millis(Math.min(backoffBefore(plan, rounds + 1), plan.maxWait)))
      yield* reconcile(rounds)
    }
    const result = finish(tracks, rounds)
    yield* Effect.annotateCurrentSpan({
      "recotap.items": result.summary.total,
      "recotap.rounds": rounds,
      "recotap.settled": result.summary.settled
    })
    return result
  }).pipe(
    Effect.withSpan(`RecotapCrm.${resource.operation}.settle`, {
      captureStackTrace: false,
      attributes: { "recotap.operation": resource.operation }
    })
  )

/** The outcome of a track that did not settle: `Unknown` if any send may have applied it, else its last answer. */
const unsettled = <I, R>(track: Track<I, R>): Core<I, R> => {
  if (track.inDoubt && track.doubtError !== undefined) {
    return { _tag: "Unknown", index: track.index, input: track.input, error: track.doubtError }
  }
  if (track.last !== undefined) return track.last
  // Every item is sent in round 1, so this is not reached; should it be, nothing is claimed.
  return { _tag: "Invalid", index: track.index, input: track.input, error: "not sent" }
}

const finish = <I, R>(tracks: ReadonlyArray<Track<I, R>>, rounds: number): SettleResult<I, R> => {
  const outcomes = tracks.map((track): SettledOutcome<I, R> => {
    const core = track.final ?? unsettled(track)
    return { ...core, rounds: track.rounds, sends: track.sends, history: track.history } as SettledOutcome<I, R>
  })
  const counts = summarize(outcomes)
  return {
    outcomes,
    summary: {
      ...counts,
      rounds,
      reconciled: outcomes.filter((o) => o._tag === "Applied" && o.reconciled).length,
      resent: outcomes.filter((o) => o.sends > 1).length,
      settled: counts.unavailable === 0 && counts.unknown === 0
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Resources
// ---------------------------------------------------------------------------------------------

/** A refusal saying the record exists already (accounts, activities, pipelines). */
const DUPLICATE = /already exist|duplicate/i

const bulkOptions = (options: BulkOptions): BulkOptions =>
  options.concurrency === undefined ? {} : { concurrency: options.concurrency }

const readFailed = <A>(items: ReadonlyArray<A>, error: TransportError): ReadonlyArray<Verdict> =>
  items.map(() => ({ found: "ReadFailed", detail: `the read-back failed: ${error.message}` }))

// --- accounts -------------------------------------------------------------------------------

/** Names compared as the live service may return them: case and spacing aside. */
const nameKey = (name: string) => name.trim().replace(/\s+/g, " ").toLowerCase()

const describeAccount = (account: Account) =>
  `rtp_aid ${account.rtp_aid}, domain ${account.domain}, name ${JSON.stringify(account.name)}` +
  (account.externalId === undefined ? "" : `, externalId ${JSON.stringify(account.externalId)}`)

/** What was read back: the accounts under the keys asked for, and records under them that could not be read. */
interface Held {
  readonly accounts: Array<Account>
  readonly malformed: Array<Readonly<Record<string, unknown>>>
}

/** Keeps, from pages, what concerns the given domain keys and external IDs. */
const collect = (
  pages: Stream.Stream<Accounts, ReadError>,
  domains: ReadonlySet<string>,
  ids: ReadonlySet<string>
): Effect.Effect<Held, ReadError> =>
  Stream.runFold(pages, { accounts: [], malformed: [] } as Held, (held, page) => {
    for (const account of page.data) {
      if (domains.has(domainKey(account.domain)) || (account.externalId !== undefined && ids.has(account.externalId))) {
        held.accounts.push(account)
      }
    }
    for (const record of page.malformed) {
      const raw = typeof record.raw === "object" && record.raw !== null ? record.raw as Record<string, unknown> : {}
      const domain = raw["domain"]
      const id = raw["externalId"]
      if ((typeof domain === "string" && domains.has(domainKey(domain))) || (typeof id === "string" && ids.has(id))) {
        held.malformed.push(raw)
      }
    }
    return held
  })

/**
 * Whether Recotap holds `input`: an account with its domain, its name and (given) its external ID.
 * `idIsKey` (CRM revision): another account holding its external ID also proves it was not applied.
 */
const judgeAccount = (input: AccountInput, held: Held, idIsKey: boolean): Verdict => {
  const key = domainKey(input.domain)
  const id = input.externalId
  const sameDomain = (account: Account) => domainKey(account.domain) === key
  const sameId = (account: Account) =>
    id === undefined || account.externalId === id || (!idIsKey && account.externalId === undefined)
  const ours = held.accounts.find((account) =>
    sameDomain(account) && sameId(account) && nameKey(account.name) === nameKey(input.name)
  )
  if (ours !== undefined) return { found: "Applied", detail: `read back: Recotap holds ${describeAccount(ours)}` }
  const unreadable = held.malformed.find((raw) =>
    (typeof raw["domain"] === "string" && domainKey(raw["domain"]) === key) ||
    (idIsKey && id !== undefined && raw["externalId"] === id)
  )
  if (unreadable !== undefined) {
    return { found: "Unreadable", detail: "Recotap holds an account under its key that could not be read" }
  }
  const other = held.accounts.find((account) =>
    sameDomain(account) || (idIsKey && id !== undefined && account.externalId === id)
  )
  if (other !== undefined) {
    return { found: "Conflict", detail: `Recotap holds another account under its key: ${describeAccount(other)}` }
  }
  return { found: "Absent", detail: "not among the accounts read back" }
}

const MAX_DOMAINS_PER_READ = 100
/** How far before the server's `syncTimestamp` a delta read starts: clocks of several servers may differ a little. */
const CHECKPOINT_MARGIN = { minutes: 1 } as const

const accountsResource = (
  crm: RecotapCrmService,
  options: SettleAccountsOptions,
  revision: Revision
): Resource<AccountInput, AccountPushResult> => {
  const pushOptions: PushAccountsOptions = {
    ...bulkOptions(options),
    ...(options.segmentId === undefined ? {} : { segmentId: options.segmentId }),
    ...(options.upsert === undefined ? {} : { upsert: options.upsert })
  }
  const push = (items: ReadonlyArray<AccountInput>) => crm.accounts.push(items, pushOptions)
  // An upsert can be sent again; a plain create is read back first.
  if (options.upsert === true) return { operation: "accounts.push", push, unknown: "resend" }

  // By domain where the client has the filter (External); otherwise by a delta read.
  let mode: "domains" | "delta" = revision === "external" ? "domains" : "delta"

  const deltaRead = (items: ReadonlyArray<ReadBackItem<AccountInput>>) => {
    // One read for all: from the earliest doubt; from the start when one has no checkpoint.
    let since: DateTime.Utc | undefined = items[0]?.since
    for (const item of items) {
      if (item.since === undefined) {
        since = undefined
        break
      }
      if (since !== undefined && DateTime.lessThan(item.since, since)) since = item.since
    }
    const domains = new Set(items.map((item) => domainKey(item.input.domain)))
    const ids = new Set(items.flatMap((item) => (item.input.externalId === undefined ? [] : [item.input.externalId])))
    return collect(crm.accounts.pages(since === undefined ? {} : { lastSync: since }), domains, ids).pipe(
      // Read by delta: the client speaks the CRM revision, where the external ID is a key too.
      Effect.map((held) => items.map((item) => judgeAccount(item.input, held, true))),
      Effect.catchTag("TransportError", (error) => Effect.succeed(readFailed(items, error)))
    )
  }

  const domainRead = (items: ReadonlyArray<ReadBackItem<AccountInput>>) =>
    Effect.gen(function*() {
      const domains = [...new Set(items.map((item) => normalizeDomain(item.input.domain)).filter((d) => d !== ""))]
      const keys = new Set(items.map((item) => domainKey(item.input.domain)))
      const held: Held = { accounts: [], malformed: [] }
      // The domains whose read failed, and why: their items stay unknown; the others are judged.
      const failed = new Map<string, TransportError>()
      for (let start = 0; start < domains.length; start += MAX_DOMAINS_PER_READ) {
        const chunk = domains.slice(start, start + MAX_DOMAINS_PER_READ)
        const read = yield* collect(crm.accounts.pages({ domains: chunk }), keys, new Set()).pipe(Effect.either)
        if (read._tag === "Right") {
          held.accounts.push(...read.right.accounts)
          held.malformed.push(...read.right.malformed)
        } else if (read.left._tag !== "TransportError") {
          return yield* Effect.fail(read.left)
        } else if (read.left.reason === "InvalidRequest") {
          // The client refuses the filter (it speaks the CRM revision): read by delta instead.
          return "refused" as const
        } else {
          for (const domain of chunk) failed.set(domain, read.left)
        }
      }
      return items.map((item): Verdict => {
        const error = failed.get(normalizeDomain(item.input.domain))
        return error === undefined ? judgeAccount(item.input, held, false) : readFailed([item], error)[0]!
      })
    })

  return {
    operation: "accounts.push",
    push,
    unknown: "readBack",
    // Sent again after an unknown outcome and refused as existing: read back again to see whose it is.
    rejection: (rejected, inDoubt) =>
      inDoubt && rejected.status === "failed" && DUPLICATE.test(rejected.error) ? "readBack" : "final",
    // The server's own time, just before the write: what a delta read of its effects starts from.
    checkpoint: Effect.suspend(() =>
      mode === "domains"
        ? Effect.succeed(undefined)
        : crm.accounts.list({ limit: 1 }).pipe(
          Effect.map((page) =>
            page.syncTimestamp === undefined ? undefined : DateTime.subtract(page.syncTimestamp, CHECKPOINT_MARGIN)
          ),
          Effect.catchTag("TransportError", () => Effect.succeed(undefined))
        )
    ),
    readBack: (items) =>
      Effect.gen(function*() {
        if (mode === "domains") {
          const verdicts = yield* domainRead(items)
          if (verdicts !== "refused") return verdicts
          mode = "delta"
        }
        return yield* deltaRead(items)
      })
  }
}

// --- deal stages ----------------------------------------------------------------------------

/** The pipeline IDs a 409 names (`Pipeline(s) already exist: a, b. Use the update endpoint ...`). */
const namedPipelines = (error: string): ReadonlySet<string> | undefined => {
  // The last "already exist(s):": the client's own prefix ("Recotap record already exists: ...") comes first.
  const match = /^.*already exists?:\s*(.+)$/is.exec(error)
  if (match === null) return undefined
  const list = match[1]!.replace(/\.\s+Use the update endpoint.*$/i, "")
  const names = list.split(",").map((name) => name.trim()).filter((name) => name !== "")
  return names.length === 0 ? undefined : new Set(names)
}

const sameIds = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000")

/** Whether the listed pipelines hold `input`: its ID, and its label and stage IDs as far as the list shows them. */
const judgePipeline = (input: DealPipelineInput, listed: ReadonlyArray<DealPipeline>): Verdict => {
  const found = listed.find((pipeline) => pipeline.pipelineId === input.pipelineId)
  if (found === undefined) return { found: "Absent", detail: "not listed by dealStages.list()" }
  const labelOk = found.pipelineLabel === undefined || found.pipelineLabel === input.pipelineLabel
  const stagesOk = found.stages.length === 0 ||
    sameIds(found.stages.map((stage) => stage.stageId), input.stages.map((stage) => stage.stageId))
  const shown = `pipeline ${JSON.stringify(found.pipelineId)}` +
    (found.pipelineLabel === undefined ? "" : ` labelled ${JSON.stringify(found.pipelineLabel)}`) +
    ` with stages [${found.stages.map((stage) => stage.stageId).join(", ")}]`
  return labelOk && stagesOk
    ? { found: "Applied", detail: `read back: dealStages.list() shows ${shown}` }
    : { found: "Conflict", detail: `dealStages.list() shows another ${shown}` }
}

const dealStagesResource = (
  crm: RecotapCrmService,
  options: SettleOptions
): Resource<DealPipelineInput, DealPipelineResult> => ({
  operation: "dealStages.push",
  push: (items) => crm.dealStages.push(items, bulkOptions(options)),
  unknown: "readBack",
  rejection: (rejected, inDoubt) => {
    if (rejected.status !== "refused") return "final"
    const named = namedPipelines(rejected.error)
    if (named === undefined) return inDoubt && DUPLICATE.test(rejected.error) ? "readBack" : "final"
    // Named: it exists. Whose it is, a read-back tells when an earlier send may have created it.
    if (named.has(rejected.input.pipelineId)) return inDoubt ? "readBack" : "final"
    // Refused for another pipeline of its request: all or nothing, so it was not applied; send it again.
    return "resend"
  },
  readBack: (items) =>
    crm.dealStages.list().pipe(
      Effect.map((listed) => items.map((item) => judgePipeline(item.input, listed))),
      Effect.catchTag("TransportError", (error) => Effect.succeed(readFailed(items, error)))
    )
})

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

/**
 * Pushes accounts (as `accounts.push`) until each one is settled, or `maxRounds` have run.
 *
 * `Unknown` accounts of a plain push are read back before being sent again (see the module's
 * description): an account is `Applied` when Recotap holds one with its domain, its name (case
 * and spacing aside) and, given, its `externalId`. With `upsert: true` (External revision) they
 * are simply sent again. A resend refused as existing, of an account that an earlier send may
 * have created, is read back again rather than reported `Rejected`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 * import * as BulkSettle from "effect-recotap/BulkSettle"
 *
 * const accounts = [
 *   { externalId: "crm-1", name: "Acme", domain: "acme.com" },
 *   { externalId: "crm-2", name: "Globex", domain: "globex.com" }
 * ]
 *
 * const program = Effect.gen(function*() {
 *   const result = yield* BulkSettle.settleAccountPush(accounts, { maxRounds: 5, concurrency: 4 })
 *   const { applied, rejected, invalid, reconciled, settled } = result.summary
 *   yield* Effect.log(`${applied} applied (${reconciled} by a read-back), ${rejected} rejected, ${invalid} invalid`)
 *   if (!settled) {
 *     // Still Unavailable or Unknown after the last round: never counted as applied.
 *     yield* Effect.logWarning(`unsettled: ${BulkSettle.unsettledInputs(result).map((a) => a.externalId).join(", ")}`)
 *   }
 * })
 *
 * // Run it with `Effect.runPromise(main)`.
 * export const main = program.pipe(Effect.provide(RecotapCrm.live))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const settleAccountPush = (
  accounts: Iterable<AccountInput>,
  options: SettleAccountsOptions = {}
): Effect.Effect<SettleResult<AccountInput, AccountPushResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const revision = options.revision ?? (yield* RecotapConfig).revision
    return yield* settle(accountsResource(crm, options, revision), accounts, options)
  })

/**
 * Maps external IDs (as `accounts.mapExternalIds`) until each mapping is settled. A mapping is an
 * idempotent write: an `Unknown` one is sent again.
 *
 * @since 0.1.0
 * @category running
 */
export const settleExternalIdMappings = (
  mappings: Iterable<ExternalIdMapping>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<ExternalIdMapping, MappingResponse>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) =>
    settle(
      {
        operation: "accounts.mapExternalIds",
        push: (items) => crm.accounts.mapExternalIds(items, bulkOptions(options)),
        unknown: "resend"
      },
      mappings,
      options
    ))

/**
 * Upserts deals (as `deals.push`) until each deal is settled. Deals are upserted by
 * `externalDealId`: an `Unknown` one is sent again.
 *
 * @since 0.1.0
 * @category running
 */
export const settleDeals = (
  deals: Iterable<DealInput>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<DealInput, DealResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) =>
    settle(
      { operation: "deals.push", push: (items) => crm.deals.push(items, bulkOptions(options)), unknown: "resend" },
      deals,
      options
    ))

/**
 * Registers pipelines (as `dealStages.push`) until each one is settled. `Unknown` pipelines are
 * looked up with `dealStages.list()` first: listed with their label and stage IDs, they are
 * `Applied`; absent, they are sent again. A pipeline refused (409) only because another pipeline
 * of its request exists was not applied (all or nothing): it is sent again without that one.
 *
 * @since 0.1.0
 * @category running
 */
export const settleDealStages = (
  pipelines: Iterable<DealPipelineInput>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<DealPipelineInput, DealPipelineResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) => settle(dealStagesResource(crm, options), pipelines, options))

/**
 * Creates sales activities (as `salesActivities.push`) until each one is settled. There is no
 * endpoint to read activities back, so an `Unknown` activity is sent again: a `failed` answer
 * saying its ID already exists then means the earlier send was applied (`Applied`,
 * `reconciled: true`). An activity refused as a duplicate on its first send is `Rejected`.
 *
 * @since 0.1.0
 * @category running
 */
export const settleSalesActivities = (
  activities: Iterable<SalesActivityInput>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<SalesActivityInput, SalesActivityResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) =>
    settle(
      {
        operation: "salesActivities.push",
        push: (items) => crm.salesActivities.push(items, bulkOptions(options)),
        unknown: "resend",
        rejection: (rejected, inDoubt) =>
          inDoubt && rejected.status === "failed" && DUPLICATE.test(rejected.error) ? "applied" : "final"
      },
      activities,
      options
    ))
