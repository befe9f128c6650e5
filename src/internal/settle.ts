/**
 * The engine of `BulkSettle`: the rounds of one settling write (see `src/BulkSettle.ts`). Each
 * round sends the items to be sent and reads back those to be read back; each answer and verdict
 * moves its item to its next phase by the pure step of `./settlePhase.ts`.
 */
import type * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import { type BulkResult, summarize } from "../Bulk.js"
import type { SettledOutcome, SettleOptions, SettleResult } from "../BulkSettle.js"
import type { InvalidApiKey, MissingApiKey } from "../RecotapError.js"
import { Event, initial, outcomeOf, Phase, type Policy, step, type Verdict } from "./settlePhase.js"

export type KeyError = MissingApiKey | InvalidApiKey

/** An item to read back, and the instant its doubt began (just before the write that left it unknown). */
export interface ReadBackItem<I> {
  readonly input: I
  readonly since: DateTime.Utc | undefined
}

/** How one resource is written, and how its unknown items are reconciled. */
export interface Resource<I, R> extends Policy<I> {
  readonly operation: string
  readonly push: (items: ReadonlyArray<I>) => Effect.Effect<BulkResult<I, R>, KeyError>
  /** The instant to read back from, taken just before each write (for delta reads). */
  readonly checkpoint?: Effect.Effect<DateTime.Utc | undefined, KeyError>
  /** Reads back what Recotap holds: one verdict per item, in order. Read failures are verdicts, not errors. */
  readonly readBack?: (items: ReadonlyArray<ReadBackItem<I>>) => Effect.Effect<ReadonlyArray<Verdict>, KeyError>
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

/** The wait before round `round`, or `undefined` when Recotap asked for one longer than `maxWait`: settling stops. */
const waitBefore = <I, R>(plan: Plan, round: number, phases: ReadonlyArray<Phase<I, R>>): number | undefined => {
  // The longest wait Recotap asked for, of the items to be sent again; otherwise a backoff.
  let retryAfter: number | undefined
  for (const phase of phases) {
    const asked = phase._tag === "ToSend" && phase.last?._tag === "Unavailable"
      ? phase.last.error.retryAfterMillis
      : undefined
    if (asked !== undefined) retryAfter = Math.max(retryAfter ?? 0, asked)
  }
  if (retryAfter !== undefined && retryAfter > plan.maxWait) return undefined
  return retryAfter ?? Math.min(backoffBefore(plan, round), plan.maxWait)
}

/** Where in `phases` the items in phase `tag` are, with their phase. */
const inPhase = <I, R, Tag extends Phase<I, R>["_tag"]>(phases: ReadonlyArray<Phase<I, R>>, tag: Tag) => {
  const is = Phase.$is(tag)
  return phases.flatMap((phase, at) => is(phase) ? [[at, phase] as const] : [])
}

/** Sends the items to be sent, in one write, and moves each by its answer. `since`: the instant just before it. */
const sendRound = <I, R>(
  resource: Resource<I, R>,
  phases: ReadonlyArray<Phase<I, R>>,
  round: number,
  since: DateTime.Utc | undefined
) =>
  Effect.gen(function*() {
    const sending = inPhase(phases, "ToSend")
    const result = yield* resource.push(sending.map(([, phase]) => phase.item.input))
    const next = [...phases]
    for (const outcome of result.outcomes) {
      const at = sending[outcome.index]?.[0]
      if (at !== undefined) next[at] = step(resource, next[at]!, Event.Answered({ round, since, outcome }))
    }
    return next
  })

/** Reads back the items waiting for it, and moves each by its verdict. */
const readBackRound = <I, R>(resource: Resource<I, R>, phases: ReadonlyArray<Phase<I, R>>, round: number) =>
  Effect.gen(function*() {
    const waiting = inPhase(phases, "ToReadBack")
    if (waiting.length === 0 || resource.readBack === undefined) return phases
    const verdicts = yield* resource.readBack(
      waiting.map(([, phase]) => ({ input: phase.item.input, since: phase.doubt?.since }))
    )
    const next = [...phases]
    waiting.forEach(([at, phase], i) => {
      const verdict: Verdict = verdicts[i] ?? { found: "ReadFailed", detail: "no verdict" }
      next[at] = step(resource, phase, Event.ReadBack({ round, verdict }))
    })
    return next
  })

/** The checkpoint of this round, or (none taken) the latest before it: an earlier instant reads more, never less. */
const checkpointAfter = <I, R>(resource: Resource<I, R>, previous: DateTime.Utc | undefined) =>
  resource.checkpoint === undefined
    ? Effect.succeed(previous)
    : Effect.map(resource.checkpoint, (checkpoint) => checkpoint ?? previous)

/** Runs the rounds: the items' last phases, and the rounds of writes run. */
const runRounds = <I, R>(resource: Resource<I, R>, plan: Plan, start: ReadonlyArray<Phase<I, R>>) =>
  Effect.gen(function*() {
    let phases = start
    let rounds = 0
    let stopped = false
    let since: DateTime.Utc | undefined
    for (let round = 1; round <= plan.maxRounds; round++) {
      if (phases.every((phase) => phase._tag === "Done")) break
      if (round > 1) {
        const wait = waitBefore(plan, round, phases)
        if (wait === undefined) {
          stopped = true
          break
        }
        yield* Effect.sleep(Duration.millis(wait))
        phases = yield* readBackRound(resource, phases, round)
      }
      const sending = phases.filter((phase) => phase._tag === "ToSend").length
      if (sending === 0) continue
      rounds = round
      yield* Effect.logDebug(`Recotap ${resource.operation}: round ${round}: sending ${sending} items`)
      since = yield* checkpointAfter(resource, since)
      phases = yield* sendRound(resource, phases, round, since)
    }
    // The last round's unknown items get one more read-back (without a resend): it may settle them.
    if (phases.some((phase) => phase._tag === "ToReadBack")) {
      if (!stopped) yield* Effect.sleep(Duration.millis(Math.min(backoffBefore(plan, rounds + 1), plan.maxWait)))
      phases = yield* readBackRound(resource, phases, rounds)
    }
    return { phases, rounds }
  })

/** Runs the rounds of one settling write. Fails only when the key is missing or refused. */
export const settle = <I, R>(
  resource: Resource<I, R>,
  inputs: Iterable<I>,
  options: SettleOptions
): Effect.Effect<SettleResult<I, R>, KeyError> =>
  Effect.gen(function*() {
    const start = Array.from(inputs, (input, index) => initial<I, R>(input, index))
    const plan = planOf(options)
    if (typeof plan === "string") {
      // As the bulk methods do with invalid options: every item is Invalid, nothing is sent.
      const invalid = start.map(({ item }) =>
        Phase.Done<I, R>({ item, outcome: { _tag: "Invalid", index: item.index, input: item.input, error: plan } })
      )
      return finish(invalid, 0)
    }
    const { phases, rounds } = yield* runRounds(resource, plan, start)
    const result = finish(phases, rounds)
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

const finish = <I, R>(phases: ReadonlyArray<Phase<I, R>>, rounds: number): SettleResult<I, R> => {
  const outcomes = phases.map(({ item }, i): SettledOutcome<I, R> => {
    const { history, rounds, sends } = item
    return { ...outcomeOf(phases[i]!), rounds, sends, history }
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
