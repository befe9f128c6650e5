/**
 * Where one item of a settling write stands, and the pure step from one phase to the next (see
 * `src/internal/settle.ts` for the rounds that drive it). An item is to be sent, to be read back,
 * or done; each answer to a send and each read-back verdict moves it on.
 */
import * as Data from "effect/Data"
import type * as DateTime from "effect/DateTime"
import type { BulkOutcome, Invalid, Rejected, Unavailable, Unknown } from "../Bulk.js"
import type { ReadBackFinding, SettledApplied, SettledUnknown, SettleInfo, SettleStep } from "../BulkSettle.js"
import type { TransportError } from "../RecotapError.js"

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

/** What the step needs to know of a resource: how it treats unknown and refused items. */
export interface Policy<I> {
  /** What an `Unknown` item needs: a read-back before it may be sent again, or just a resend (safe). */
  readonly unknown: "readBack" | "resend"
  /** What a `Rejected` answer means; `inDoubt` when an earlier send of the item may have been applied. */
  readonly rejection?: (rejected: Rejected<I>, inDoubt: boolean) => RejectionMeaning
  /** Why an item in doubt cannot be checked, for the reason of an `Unknown` left by a rejection that means `unknown`. */
  readonly unverifiable?: string
}

/** An item's outcome, before the rounds, sends and history are added to it. */
export type Core<I, R> =
  | Omit<SettledApplied<I, R>, keyof SettleInfo>
  | Rejected<I>
  | Invalid
  | Unavailable<I>
  | Omit<SettledUnknown<I>, keyof SettleInfo>

/** The item and its way so far, in every phase. */
export interface Item<I> extends SettleInfo {
  readonly index: number
  readonly input: I
}

/** A send whose answer was lost: the item may have been applied. */
export interface Doubt {
  /** The error of the latest such send. */
  readonly error: TransportError
  /** The instant just before the first such send: a read-back looks from there. */
  readonly since: DateTime.Utc | undefined
}

/** The last answer that did not settle an item. */
export type LastAnswer<I> = Unavailable<I> | Unknown<I> | Rejected<I>

interface Open<I> {
  readonly item: Item<I>
  readonly last: LastAnswer<I> | undefined
  readonly doubt: Doubt | undefined
}

/** One item's phase. */
export type Phase<I, R> = Data.TaggedEnum<{
  /** To be sent in the next round. */
  ToSend: Open<I>
  /** To be read back before anything else; `reason` says why it is still unknown, when a read-back said so. */
  ToReadBack: Open<I> & { readonly reason: string | undefined }
  /** Nothing more to do: its outcome is known, or nothing more can be learnt. */
  Done: { readonly item: Item<I>; readonly outcome: Core<I, R> }
}>

interface PhaseDefinition extends Data.TaggedEnum.WithGenerics<2> {
  readonly taggedEnum: Phase<this["A"], this["B"]>
}

export const Phase = Data.taggedEnum<PhaseDefinition>()

/** What happens to an item: an answer to its send, or a read-back's verdict. */
export type Event<I, R> = Data.TaggedEnum<{
  /** Recotap's answer to a send in `round`; `since` is the instant just before that send. */
  Answered: {
    readonly round: number
    readonly since: DateTime.Utc | undefined
    readonly outcome: BulkOutcome<I, R>
  }
  /** What a read-back in `round` found. */
  ReadBack: { readonly round: number; readonly verdict: Verdict }
}>

interface EventDefinition extends Data.TaggedEnum.WithGenerics<2> {
  readonly taggedEnum: Event<this["A"], this["B"]>
}

export const Event = Data.taggedEnum<EventDefinition>()

/** Every item starts to be sent. */
export const initial = <I, R>(input: I, index: number): Phase<I, R> =>
  Phase.ToSend({ item: { index, input, sends: 0, rounds: 0, history: [] }, last: undefined, doubt: undefined })

/** The item with one more step in its history, decided in `round`. */
const record = <I>(item: Item<I>, round: number, step: SettleStep, sent: boolean): Item<I> => ({
  ...item,
  sends: sent ? item.sends + 1 : item.sends,
  rounds: round,
  history: [...item.history, step]
})

/** The next phase of an item once `event` happened to it. Events an item does not wait for change nothing. */
export const step = <I, R>(policy: Policy<I>, phase: Phase<I, R>, event: Event<I, R>): Phase<I, R> => {
  if (phase._tag === "ToSend" && event._tag === "Answered") return answered(policy, phase, event)
  if (phase._tag === "ToReadBack" && event._tag === "ReadBack") return readBack(phase, event.round, event.verdict)
  return phase
}

/** What one answer to a send means for its item. */
const answered = <I, R>(
  policy: Policy<I>,
  phase: Extract<Phase<I, R>, { _tag: "ToSend" }>,
  { outcome, round, since }: Extract<Event<I, R>, { _tag: "Answered" }>
): Phase<I, R> => {
  const { doubt } = phase
  // Checked here and never sent: no send, no step.
  if (outcome._tag === "Invalid") {
    return Phase.Done<I, R>({ item: phase.item, outcome: { ...outcome, index: phase.item.index } })
  }
  const item = record(phase.item, round, { _tag: "Sent", round, outcome: outcome._tag }, true)
  const { index, input } = item
  switch (outcome._tag) {
    case "Applied": {
      const { result, status } = outcome
      return Phase.Done({
        item,
        outcome: { _tag: "Applied", index, input, status, result, reconciled: false, evidence: undefined }
      })
    }
    case "Rejected":
      return rejected(policy, item, { ...outcome, index }, doubt)
    case "Unavailable": {
      const last: Unavailable<I> = { ...outcome, index }
      // A base URL that does not serve the endpoint, or a request that cannot be sent, will not change.
      const hopeless = outcome.error.reason === "RouteNotFound" || outcome.error.reason === "InvalidRequest"
      if (hopeless && doubt === undefined) return Phase.Done({ item, outcome: last })
      if (hopeless) return Phase.Done({ item, outcome: unsettled({ item, last, doubt, reason: undefined }) })
      return Phase.ToSend({ item, last, doubt })
    }
    case "Unknown": {
      const last: Unknown<I> = { ...outcome, index }
      const next = { item, last, doubt: { error: outcome.error, since: doubt === undefined ? since : doubt.since } }
      return policy.unknown === "readBack" ? Phase.ToReadBack({ ...next, reason: undefined }) : Phase.ToSend(next)
    }
  }
}

/** What a refusal means for its item, as the resource reads it. */
const rejected = <I, R>(policy: Policy<I>, item: Item<I>, last: Rejected<I>, doubt: Doubt | undefined): Phase<I, R> => {
  switch (policy.rejection?.(last, doubt !== undefined) ?? "final") {
    case "final":
      return Phase.Done({ item, outcome: last })
    case "unknown": {
      // Refused, perhaps because an earlier send applied it, perhaps not: nothing can tell which.
      const reason = `sent again after an unknown outcome and refused (${last.status}: ${last.error}); ` +
        (policy.unverifiable ?? "nothing can tell whether an earlier send applied it")
      return Phase.Done({ item, outcome: unsettled({ item, last, doubt, reason }) })
    }
    case "readBack":
      return Phase.ToReadBack({ item, last, doubt, reason: undefined })
    case "resend":
      return Phase.ToSend({ item, last, doubt })
  }
}

/** What a read-back's verdict means for its item; those proven absent or conflicting go back to be sent. */
const readBack = <I, R>(
  phase: Extract<Phase<I, R>, { _tag: "ToReadBack" }>,
  round: number,
  verdict: Verdict
): Phase<I, R> => {
  const { doubt, last } = phase
  const item = record(
    phase.item,
    round,
    { _tag: "ReadBack", round, found: verdict.found, detail: verdict.detail },
    false
  )
  switch (verdict.found) {
    case "Applied": {
      const { index, input } = item
      const evidence = verdict.detail
      return Phase.Done({
        item,
        outcome: { _tag: "Applied", index, input, status: "created", result: undefined, reconciled: true, evidence }
      })
    }
    case "Absent":
    case "Conflict":
      if (last?._tag === "Rejected") {
        // Refused after a send whose answer was lost: "absent" may be the service's read model
        // lagging behind that send, so it proves nothing; it is read again next round, and stays
        // unknown if it never shows. Another record under its key does prove the refusal.
        if (verdict.found === "Absent" && doubt !== undefined) {
          const reason = `sent again after an unknown outcome and refused (${last.status}: ${last.error}), ` +
            "and not found by a read-back, which may lag behind the earlier send"
          return Phase.ToReadBack({ item, last, doubt, reason })
        }
        return Phase.Done({ item, outcome: last })
      }
      // Absent: sent again. Conflict: another record holds its key, so this item was not applied,
      // and cannot be later: no longer in doubt.
      return Phase.ToSend({ item, last, doubt: verdict.found === "Conflict" ? undefined : doubt })
    case "Unreadable":
    case "ReadFailed":
      return Phase.ToReadBack({ item, last, doubt, reason: phase.reason })
  }
}

/** Why an item in doubt is left unknown, when no step said so itself. */
const doubtReason = <I>(item: Item<I>, error: TransportError): string => {
  const last = item.history[item.history.length - 1]
  if (last?._tag === "ReadBack") return `no read-back could tell whether it was applied: ${last.detail}`
  return `a send whose answer was lost may have applied it (${error.message}), ` +
    "and settling ended before a read-back or a resend proved it either way"
}

/** The outcome of an item that did not settle: `Unknown` if any send may have applied it, else its last answer. */
export const unsettled = <I, R>(
  { doubt, item, last, reason }: Open<I> & { readonly reason: string | undefined }
): Core<I, R> => {
  const { index, input } = item
  if (doubt !== undefined) {
    return { _tag: "Unknown", index, input, error: doubt.error, reason: reason ?? doubtReason(item, doubt.error) }
  }
  // An Unknown answer puts its item in doubt (above): what is left is Rejected or Unavailable.
  if (last !== undefined && last._tag !== "Unknown") return last
  // Reached only by an item whose doubt a read-back's Conflict ended and that was not sent since:
  // nothing is claimed.
  return { _tag: "Invalid", index, input, error: "not sent" }
}

/** The outcome of an item in any phase, once settling ends. */
export const outcomeOf = <I, R>(phase: Phase<I, R>): Core<I, R> =>
  phase._tag === "Done" ? phase.outcome : unsettled({ reason: undefined, ...phase })
