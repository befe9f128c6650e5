/**
 * The engine of `BulkSettle`: the rounds of one settling write, item by item (see `src/BulkSettle.ts`).
 */
import type * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import {
  type BulkOutcome,
  type BulkResult,
  type Invalid,
  type Rejected,
  summarize,
  type Unavailable,
  type Unknown
} from "../Bulk.js"
import type {
  ReadBackFinding,
  SettledApplied,
  SettledOutcome,
  SettledUnknown,
  SettleInfo,
  SettleOptions,
  SettleResult,
  SettleStep
} from "../BulkSettle.js"
import type { InvalidApiKey, MissingApiKey, TransportError } from "../RecotapError.js"

export type KeyError = MissingApiKey | InvalidApiKey

/**
 * What a `Rejected` answer means for an item: final, a reason to read back or resend, or (for an
 * item in doubt that cannot be read back) the end of what can be known: it stays `Unknown`.
 * Never proof of an apply: only a read-back proves that.
 */
export type RejectionMeaning = "final" | "readBack" | "resend" | "unknown"

/** A reconciliation's finding about one item, with what it saw. */
export interface Verdict {
  readonly found: ReadBackFinding
  readonly detail: string
}

/** An item to read back, and the instant its doubt began (just before the write that left it unknown). */
export interface ReadBackItem<I> {
  readonly input: I
  readonly since: DateTime.Utc | undefined
}

/** How one resource is written, and how its unknown items are reconciled. */
export interface Resource<I, R> {
  readonly operation: string
  readonly push: (items: ReadonlyArray<I>) => Effect.Effect<BulkResult<I, R>, KeyError>
  /** What an `Unknown` item needs: a read-back before it may be sent again, or just a resend (safe). */
  readonly unknown: "readBack" | "resend"
  /** What a `Rejected` answer means; `inDoubt` when an earlier send of the item may have been applied. */
  readonly rejection?: (rejected: Rejected<I>, inDoubt: boolean) => RejectionMeaning
  /** Why an item in doubt cannot be checked, for the reason of an `Unknown` left by a rejection that means `unknown`. */
  readonly unverifiable?: string
  /** The instant to read back from, taken just before each write (for delta reads). */
  readonly checkpoint?: Effect.Effect<DateTime.Utc | undefined, KeyError>
  /** Reads back what Recotap holds: one verdict per item, in order. Read failures are verdicts, not errors. */
  readonly readBack?: (items: ReadonlyArray<ReadBackItem<I>>) => Effect.Effect<ReadonlyArray<Verdict>, KeyError>
}

export type Core<I, R> =
  | Omit<SettledApplied<I, R>, keyof SettleInfo>
  | Rejected<I>
  | Invalid
  | Unavailable<I>
  | Omit<SettledUnknown<I>, keyof SettleInfo>

/** One item's state across rounds. */
export interface Track<I, R> {
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
  /** Why it is left unknown, when settling stopped short of a proof either way. */
  reason: string | undefined
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
export const settle = <I, R>(
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
      reason: undefined,
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
            case "unknown":
              // Refused, perhaps because an earlier send applied it, perhaps not: nothing can tell which.
              track.last = rejected
              track.phase = "done"
              track.reason = `sent again after an unknown outcome and refused (${outcome.status}: ${outcome.error}); ` +
                (resource.unverifiable ?? "nothing can tell whether an earlier send applied it")
              return
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
          const hopeless = outcome.error.reason === "RouteNotFound" || outcome.error.reason === "InvalidRequest"
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
            case "Conflict":
              if (track.last?._tag === "Rejected") {
                // Refused after a send whose answer was lost: "absent" may be the service's read
                // model lagging behind that send, so it proves nothing; it is read again next
                // round, and stays unknown if it never shows. Another record under its key does
                // prove the refusal.
                if (verdict.found === "Absent" && track.inDoubt) {
                  track.reason = `sent again after an unknown outcome and refused (${track.last.status}: ` +
                    `${track.last.error}), and not found by a read-back, which may lag behind the earlier send`
                  return
                }
                return finalize(track, track.last)
              }
              if (verdict.found === "Conflict") {
                // Another record holds its key: this item was not applied, and cannot be later.
                track.inDoubt = false
                track.doubtRound = undefined
              }
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

/** Why an item in doubt is left unknown, when no step said so itself. */
const doubtReason = <I, R>(track: Track<I, R>, error: TransportError): string => {
  const step = track.history[track.history.length - 1]
  if (step?._tag === "ReadBack") return `no read-back could tell whether it was applied: ${step.detail}`
  return `a send whose answer was lost may have applied it (${error.message}), ` +
    "and settling ended before a read-back or a resend proved it either way"
}

/** The outcome of a track that did not settle: `Unknown` if any send may have applied it, else its last answer. */
const unsettled = <I, R>(track: Track<I, R>): Core<I, R> => {
  if (track.inDoubt && track.doubtError !== undefined) {
    const reason = track.reason ?? doubtReason(track, track.doubtError)
    return { _tag: "Unknown", index: track.index, input: track.input, error: track.doubtError, reason }
  }
  // An Unknown answer puts its item in doubt (above): what is left is Rejected or Unavailable.
  if (track.last !== undefined && track.last._tag !== "Unknown") return track.last
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
