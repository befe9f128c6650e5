/**
 * The plain check that reads one entry of an `accounts.push` answer
 * (`src/internal/cleanPushResult.ts`) against `Schema.decodeUnknownEither(AccountPushResult)`, the
 * schema it stands in for: whenever it answers, the schema decodes the same entry to the same
 * value (in any key order: a result is read, never sent); whenever the schema refuses, it answers nothing; entries as the
 * service sends them are all taken.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { AccountPushResult } from "../src/Account.js"
import { readCleanPushResult } from "../src/internal/cleanPushResult.js"
import { anything, domain, leavesAlone, mutated, word } from "./generated.js"

/** Runs per property; raise it for a deeper search: `PUSH_RESULT_RUNS=50000 npx vitest run test/pushResult.test.ts`. */
const RUNS = Number(process.env["PUSH_RESULT_RUNS"] ?? 2_000)

/** An entry as the service sends it, read from JSON. */
const wireEntry = fc.record({
  externalId: fc.oneof(fc.stringMatching(/^crm-[0-9]{1,6}$/), fc.constant(null)),
  rtp_aid: fc.oneof(fc.stringMatching(/^[0-9a-f]{24}$/), fc.constant(null)),
  domain: fc.oneof(domain, fc.constant(null)),
  status: fc.oneof(fc.constantFrom("created", "updated", "failed"), word),
  error: fc.oneof(word, fc.constant(null))
}, { requiredKeys: ["status"] }).map((entry) => JSON.parse(JSON.stringify(entry)))

/** Any entry the schema's type allows. */
const validEntry = Arbitrary.make(AccountPushResult)

const reference = Schema.decodeUnknownEither(AccountPushResult)

/** Whenever the check answers, the schema decodes the entry to the same value; returns whether it answered. */
const law = (entry: unknown) => {
  const read = leavesAlone(entry, readCleanPushResult)
  if (read === undefined) return false
  const decoded = reference(entry)
  if (Either.isLeft(decoded)) expect.fail(`the check answered what the schema refuses: ${decoded.left.message}`)
  expect(read).toStrictEqual(decoded.right)
  return true
}

describe("the push result's check (`internal/cleanPushResult.ts`) against `AccountPushResult`", () => {
  it("on entries as the service sends them: every one taken, with the schema's value", () => {
    fc.assert(
      fc.property(wireEntry, (entry) => {
        expect(law(entry)).toBe(true)
      }),
      { numRuns: RUNS }
    )
  })

  // The schema's own generator often sets an optional field to `undefined` (which JSON never
  // does): those entries go to the schema.
  it("on any valid entry: the schema's value, and many are taken", () => {
    let taken = 0
    fc.assert(
      fc.property(validEntry, (entry) => {
        if (law(entry)) taken++
      }),
      { numRuns: RUNS }
    )
    expect(taken).toBeGreaterThan(RUNS / 20)
  })

  it("on mutated entries (wrong types, missing, excess, odd keys): never a value the schema refuses", () => {
    let refused = 0
    let taken = 0
    fc.assert(
      fc.property(mutated(fc.oneof(validEntry, wireEntry), AccountPushResult), (entry) => {
        if (law(entry)) taken++
        if (Either.isLeft(reference(entry))) refused++
      }),
      { numRuns: RUNS }
    )
    // Both sides exercised.
    expect(refused).toBeGreaterThan(RUNS / 10)
    expect(taken).toBeGreaterThan(RUNS / 50)
  })

  it("on anything at all: never a value the schema refuses", () => {
    fc.assert(fc.property(anything, (entry) => void law(entry)), { numRuns: RUNS })
  })

  it("drops the keys the schema drops; leaves to the schema what is not a plain object or holds `undefined`", () => {
    expect(readCleanPushResult({ status: "created", extra: 1 })).toStrictEqual({ status: "created" })
    expect(readCleanPushResult(Object.assign(Object.create(null), { status: "created" }))).toBeUndefined()
    expect(readCleanPushResult({ status: "created", domain: undefined })).toBeUndefined()
    expect(readCleanPushResult({ externalId: "a", status: "created" })).toStrictEqual({
      externalId: "a",
      status: "created"
    })
  })
})
