/**
 * The pure step of settling, phase by phase and event by event: what each answer to a send and
 * each read-back verdict makes of an item, and the outcome of an item settling leaves open.
 */
import { describe, expect, it } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import type { BulkOutcome, Rejected } from "../../src/Bulk.js"
import {
  Event,
  initial,
  type Item,
  outcomeOf,
  Phase,
  type Policy,
  type RejectionMeaning,
  step,
  type Verdict
} from "../../src/internal/settlePhase.js"
import { TransportError } from "../../src/RecotapError.js"

type In = { readonly id: string }
type P = Phase<In, string>

const input: In = { id: "a" }
const lost = new TransportError({ reason: "Timeout", method: "POST", url: "https://x/accounts", detail: "lost" })
const lostAgain = new TransportError({
  reason: "Transport",
  method: "POST",
  url: "https://x/accounts",
  detail: "reset"
})
const busy = new TransportError({
  reason: "StatusCode",
  method: "POST",
  url: "https://x/accounts",
  status: 503,
  detail: "busy",
  notProcessed: true,
  retryAfterMillis: 2000
})
const noRoute = new TransportError({
  reason: "RouteNotFound",
  method: "POST",
  url: "https://x/accounts",
  detail: "404"
})
const t1 = DateTime.unsafeMake(1_000)
const t2 = DateTime.unsafeMake(2_000)

/** A policy whose refusals mean `meaning`, and which reads back unknown items (or resends them). */
const policy = (meaning: RejectionMeaning, unknown: "readBack" | "resend" = "readBack"): Policy<In> => ({
  unknown,
  rejection: () => meaning,
  unverifiable: "cannot be checked"
})
const readsBack = policy("readBack")

/** An item sent once (round 1) and answered `Unknown`: in doubt since `t1`. */
const sentOnce: Item<In> = {
  index: 7,
  input,
  sends: 1,
  rounds: 1,
  history: [{ _tag: "Sent", round: 1, outcome: "Unknown" }]
}
const doubt = { error: lost, since: t1 }
const fresh: P = initial(input, 7)
const resend: P = Phase.ToSend({ item: sentOnce, last: { _tag: "Unknown", index: 7, input, error: lost }, doubt })
const refused: Rejected<In> = { _tag: "Rejected", index: 7, input, status: "refused", error: "already exists" }
const toReadBack = (last: Rejected<In> | undefined, inDoubt = true, reason?: string): P =>
  Phase.ToReadBack({
    item: sentOnce,
    last: last ?? { _tag: "Unknown", index: 7, input, error: lost },
    doubt: inDoubt ? doubt : undefined,
    reason
  })

const answer = (outcome: BulkOutcome<In, string>, round = 2, since = t2) => Event.Answered({ round, since, outcome })
const found = (verdict: Verdict["found"], round = 2) =>
  Event.ReadBack({ round, verdict: { found: verdict, detail: "saw" } })

const applied = answer({ _tag: "Applied", index: 0, input, status: "created", result: "r-1" })
const rejected = answer({ _tag: "Rejected", index: 0, input, status: "refused", error: "already exists" })
const unavailable = answer({ _tag: "Unavailable", index: 0, input, error: busy })
const unknown = answer({ _tag: "Unknown", index: 0, input, error: lostAgain })
const invalid = answer({ _tag: "Invalid", index: 0, input, error: "name: required" })

describe("step: ToSend × an answer", () => {
  it("Applied: Done, as answered, counted as a send of this round", () => {
    const next = step(readsBack, resend, applied)
    expect(next).toMatchObject({
      _tag: "Done",
      item: {
        index: 7,
        sends: 2,
        rounds: 2,
        history: [sentOnce.history[0], { _tag: "Sent", round: 2, outcome: "Applied" }]
      },
      outcome: { _tag: "Applied", index: 7, status: "created", result: "r-1", reconciled: false, evidence: undefined }
    })
  })

  it("Invalid: Done, with no send and no step", () => {
    const next = step(readsBack, fresh, invalid)
    expect(next).toMatchObject({
      _tag: "Done",
      item: { sends: 0, rounds: 0, history: [] },
      outcome: { _tag: "Invalid", index: 7, error: "name: required" }
    })
  })

  it("Rejected: the resource's meaning decides, told whether the item is in doubt", () => {
    const seen: Array<boolean> = []
    const spy: Policy<In> = { unknown: "readBack", rejection: (_, inDoubt) => (seen.push(inDoubt), "final") }
    step(spy, fresh, rejected)
    step(spy, resend, rejected)
    expect(seen).toEqual([false, true])
    // Without a rule of its own, a refusal is final.
    expect(step({ unknown: "resend" }, resend, rejected)).toMatchObject({ _tag: "Done", outcome: refused })
  })

  it("Rejected, final: Done, Rejected", () => {
    expect(step(policy("final"), resend, rejected)).toMatchObject({
      _tag: "Done",
      outcome: refused,
      item: { sends: 2 }
    })
  })

  it("Rejected, unknown: Done, Unknown with the earlier send's error and the reason (or its last answer, not in doubt)", () => {
    expect(step(policy("unknown"), resend, rejected)).toMatchObject({
      _tag: "Done",
      outcome: {
        _tag: "Unknown",
        error: lost,
        reason: "sent again after an unknown outcome and refused (refused: already exists); cannot be checked"
      }
    })
    expect(step({ unknown: "resend", rejection: () => "unknown" }, resend, rejected)).toMatchObject({
      outcome: { reason: expect.stringMatching(/; nothing can tell whether an earlier send applied it$/) }
    })
    expect(step(policy("unknown"), fresh, rejected)).toMatchObject({ _tag: "Done", outcome: refused })
  })

  it("Rejected, readBack / resend: to be read back / sent again, the refusal kept, the doubt too", () => {
    expect(step(policy("readBack"), resend, rejected)).toEqual(
      Phase.ToReadBack({ item: expect.anything(), last: refused, doubt, reason: undefined })
    )
    expect(step(policy("resend"), resend, rejected)).toMatchObject({ _tag: "ToSend", last: refused, doubt })
  })

  it("Unavailable: sent again, the answer kept (for its Retry-After), the doubt too", () => {
    expect(step(readsBack, fresh, unavailable)).toMatchObject({
      _tag: "ToSend",
      last: { _tag: "Unavailable", index: 7, error: busy },
      doubt: undefined
    })
    expect(step(readsBack, resend, unavailable)).toMatchObject({ _tag: "ToSend", doubt })
  })

  it("Unavailable that will not change (RouteNotFound, InvalidRequest): Done, Unavailable; Unknown when in doubt", () => {
    const hopeless = answer({ _tag: "Unavailable", index: 0, input, error: noRoute })
    expect(step(readsBack, fresh, hopeless)).toMatchObject({
      _tag: "Done",
      outcome: { _tag: "Unavailable", error: noRoute }
    })
    const invalidRequest = TransportError.invalidRequest("POST", "https://x/accounts", "bad")
    const cannotSend = answer({ _tag: "Unavailable", index: 0, input, error: invalidRequest })
    expect(step(readsBack, fresh, cannotSend)).toMatchObject({ _tag: "Done", outcome: { _tag: "Unavailable" } })
    expect(step(readsBack, resend, hopeless)).toMatchObject({
      _tag: "Done",
      outcome: {
        _tag: "Unknown",
        error: lost,
        reason: `a send whose answer was lost may have applied it (${lost.message}), ` +
          "and settling ended before a read-back or a resend proved it either way"
      }
    })
  })

  it("Unknown: in doubt since just before this send, read back or sent again as the resource says", () => {
    expect(step(readsBack, fresh, unknown)).toEqual(
      Phase.ToReadBack({
        item: expect.anything(),
        last: { _tag: "Unknown", index: 7, input, error: lostAgain },
        doubt: { error: lostAgain, since: t2 },
        reason: undefined
      })
    )
    expect(step(policy("final", "resend"), fresh, unknown)).toMatchObject({ _tag: "ToSend", doubt: { since: t2 } })
  })

  it("Unknown again: the latest error, and the doubt's first instant", () => {
    expect(step(readsBack, resend, unknown)).toMatchObject({ doubt: { error: lostAgain, since: t1 } })
  })

  it("a verdict changes nothing: it was not read back", () => {
    for (const verdict of ["Applied", "Absent", "Conflict", "Unreadable", "ReadFailed"] as const) {
      expect(step(readsBack, resend, found(verdict))).toBe(resend)
    }
  })
})

describe("step: ToReadBack × a verdict", () => {
  const afterUnknown = toReadBack(undefined)
  const readStep = { _tag: "ReadBack", round: 2, found: "Applied", detail: "saw" }

  it("Applied: Done, Applied as created, reconciled, with the evidence; no send counted", () => {
    expect(step(readsBack, afterUnknown, found("Applied"))).toMatchObject({
      _tag: "Done",
      item: { sends: 1, rounds: 2, history: [sentOnce.history[0], readStep] },
      outcome: { _tag: "Applied", status: "created", result: undefined, reconciled: true, evidence: "saw" }
    })
  })

  it("Absent after an Unknown answer: sent again, still in doubt", () => {
    expect(step(readsBack, afterUnknown, found("Absent"))).toMatchObject({ _tag: "ToSend", doubt, item: { rounds: 2 } })
  })

  it("Conflict after an Unknown answer: sent again, no longer in doubt", () => {
    expect(step(readsBack, afterUnknown, found("Conflict"))).toMatchObject({ _tag: "ToSend", doubt: undefined })
  })

  it("Absent after a refused resend in doubt: read again, with why it is still unknown (the read may lag)", () => {
    const next = step(readsBack, toReadBack(refused), found("Absent"))
    expect(next).toMatchObject({
      _tag: "ToReadBack",
      last: refused,
      doubt,
      reason: "sent again after an unknown outcome and refused (refused: already exists), " +
        "and not found by a read-back, which may lag behind the earlier send"
    })
    expect(outcomeOf(next)).toMatchObject({ _tag: "Unknown", error: lost, reason: expect.stringMatching(/may lag/) })
  })

  it("Absent after a refusal not in doubt, Conflict after any refusal: the refusal is final", () => {
    expect(step(readsBack, toReadBack(refused, false), found("Absent"))).toMatchObject({
      _tag: "Done",
      outcome: refused
    })
    expect(step(readsBack, toReadBack(refused), found("Conflict"))).toMatchObject({ _tag: "Done", outcome: refused })
  })

  it("Unreadable, ReadFailed: read again next round, its reason kept", () => {
    for (const verdict of ["Unreadable", "ReadFailed"] as const) {
      const next = step(readsBack, toReadBack(refused, true, "it may lag"), found(verdict))
      expect(next).toMatchObject({
        _tag: "ToReadBack",
        last: refused,
        doubt,
        reason: "it may lag",
        item: { rounds: 2 }
      })
      expect(outcomeOf(step(readsBack, afterUnknown, found(verdict)))).toMatchObject({
        _tag: "Unknown",
        reason: "no read-back could tell whether it was applied: saw"
      })
    }
  })

  it("an answer changes nothing: it was not sent", () => {
    for (const event of [applied, rejected, unavailable, unknown, invalid]) {
      expect(step(readsBack, afterUnknown, event)).toBe(afterUnknown)
    }
  })
})

describe("step: Done", () => {
  it("no answer and no verdict changes it", () => {
    const done = step(readsBack, fresh, applied)
    for (const event of [applied, rejected, unavailable, unknown, invalid, found("Absent"), found("Applied")]) {
      expect(step(readsBack, done, event)).toBe(done)
    }
  })
})

describe("outcomeOf: an item settling left open", () => {
  it("in doubt: Unknown, with the latest lost send's error", () => {
    expect(outcomeOf(resend)).toMatchObject({ _tag: "Unknown", index: 7, error: lost, reason: expect.any(String) })
  })

  it("not in doubt: its last answer", () => {
    expect(outcomeOf(step(readsBack, fresh, unavailable))).toMatchObject({ _tag: "Unavailable", error: busy })
  })

  it("its doubt ended by a Conflict and not sent since: nothing is claimed", () => {
    const next = step(readsBack, toReadBack(undefined), found("Conflict"))
    expect(outcomeOf(next)).toEqual({ _tag: "Invalid", index: 7, input, error: "not sent" })
  })
})
