/**
 * The account page's reading against the schemas it stands in for: generated records and pages,
 * valid, realistic, mutated and arbitrary.
 *
 * - The account record's plain check (`src/internal/cleanAccount.ts`) against `AccountRecord`:
 *   whenever it answers, the schema decodes the same input to the same value, keys in the same
 *   order; realistic records are all taken but those with a score sent as text.
 * - `decodeAccountsPage` (`src/internal/accountRecord.ts`, what `GET /accounts` decodes with)
 *   against `Schema.decodeUnknownEither(Accounts)`: the same page or the same error, always.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { AccountRecord, Accounts } from "../src/Account.js"
import { decodeAccountsPage } from "../src/internal/accountRecord.js"
import { readCleanRecord } from "../src/internal/cleanAccount.js"
import { anything, customFields, domain, isoText, leavesAlone, mutated, shape, word } from "./generated.js"

/** Runs per property; raise it for a deeper search: `ACCOUNT_PAGE_RUNS=50000 npx vitest run test/accountPage.test.ts`. */
const RUNS = Number(process.env["ACCOUNT_PAGE_RUNS"] ?? 2_000)

/** A score as the service sends it: mostly a number, sometimes `null`, numeric text, or missing. */
const score = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: 0, max: 120 }) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.constantFrom("42", " 12.5 ", "0", "7e1") },
  { weight: 1, arbitrary: fc.double({ min: 0, max: 100, noNaN: true }) }
)

const wireAccount = fc.record({
  externalId: fc.option(fc.stringMatching(/^crm-[0-9]{1,6}$/), { nil: null }),
  name: word,
  domain,
  rtp_aid: fc.stringMatching(/^[0-9a-f]{24}$/),
  rtp_account_score: score,
  rtp_journey_stage: fc.option(fc.constantFrom("", "Aware", "Consideration", "Opportunity", "Customer"), { nil: null }),
  rtp_advertising_activity_score: score,
  rtp_website_intent_score: score,
  rtp_g2_intent_score: score,
  rtp_bombora_intent_score: score,
  rtp_last_account_date: fc.option(isoText, { nil: null }),
  customFields: fc.option(customFields, { nil: null }),
  // What a newer server might add: the record schema drops it (the client keeps it in `extra`).
  rtp_new_metric: fc.integer()
}, { requiredKeys: ["name", "domain", "rtp_aid"] })

/** Any record the schema's encoded side allows. */
const validRecord = Arbitrary.make(Schema.encodedSchema(AccountRecord))

/** A page as the service sends it, its records from `record`. */
const pageOf = (record: fc.Arbitrary<unknown>) =>
  fc.record({
    data: fc.array(record, { maxLength: 8 }),
    nextCursor: fc.option(fc.stringMatching(/^[A-Za-z0-9=]{1,12}$/), { nil: null }),
    hasNextPage: fc.boolean(),
    syncTimestamp: fc.option(isoText, { nil: null })
  }, { requiredKeys: ["data", "hasNextPage"] })

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

describe("the account record's check (`internal/cleanAccount.ts`) against `AccountRecord`", () => {
  const reference = Schema.decodeUnknownEither(AccountRecord, { errors: "all" })

  /** Whenever the check answers, the schema decodes the input to the same value, keys in the same order. */
  const law = (input: unknown) => {
    const clean = leavesAlone(input, readCleanRecord)
    if (clean === undefined) return false
    const decoded = reference(input)
    expect(decoded).toStrictEqual(Either.right(clean))
    expect(shape(clean)).toStrictEqual(shape(Either.getOrThrow(decoded)))
    return true
  }

  it("on realistic records: the same value, and every one without a score sent as text is taken", () => {
    let taken = 0
    fc.assert(
      fc.property(wireAccount, (record) => {
        const textScore = Object.entries(record).some(([key, value]) =>
          key.endsWith("_score") && typeof value === "string"
        )
        if (law(record)) taken++
        else expect(textScore).toBe(true)
      }),
      { numRuns: RUNS }
    )
    expect(taken).toBeGreaterThan(RUNS / 4)
  })

  it("on any valid encoded record: the same value", () => {
    fc.assert(fc.property(validRecord, (record) => void law(record)), { numRuns: RUNS })
  })

  it("on mutated records (wrong types, missing, null, undefined, extra and odd keys): never a value the schema refuses", () => {
    fc.assert(
      fc.property(mutated(fc.oneof(validRecord, wireAccount), AccountRecord), (record) => void law(record)),
      { numRuns: RUNS }
    )
  })

  it("on anything at all: never a value the schema refuses", () => {
    fc.assert(fc.property(anything, (input) => void law(input)), { numRuns: RUNS })
  })

  it("leaves to the schema what it does not read itself", () => {
    const base = { name: "Acme", domain: "acme.com", rtp_aid: "a1" }
    for (
      const odd of [
        { ...base, rtp_account_score: "12" },
        { ...base, externalId: undefined },
        { ...base, customFields: [] },
        { ...base, domain: " " },
        JSON.parse(`{"name":"Acme","domain":"acme.com","rtp_aid":"a1","customFields":{"__proto__":{"x":1}}}`),
        Object.assign(Object.create({ name: "Acme" }), { domain: "acme.com", rtp_aid: "a1" })
      ]
    ) expect(readCleanRecord(odd)).toBeUndefined()
    // An inherited score is a missing one, as the schema reads it.
    expect(law(Object.assign(Object.create({ rtp_account_score: 5 }), base))).toBe(true)
    expect(law({ ...base, externalId: null, rtp_g2_intent_score: null, customFields: null })).toBe(true)
  })
})

describe("`decodeAccountsPage` against `Schema.decodeUnknownEither(Accounts)`", () => {
  const reference = Schema.decodeUnknownEither(Accounts)

  /** The same page, keys in the same order, or the same error; the input left as it was. */
  const law = (input: unknown) => {
    const actual = leavesAlone(input, decodeAccountsPage)
    const expected = reference(input)
    if (Either.isRight(expected)) {
      expect(actual).toStrictEqual(expected)
      expect(shape(Either.getOrThrow(actual))).toStrictEqual(shape(expected.right))
    } else {
      expect(Either.isLeft(actual)).toBe(true)
      // What a user reads of it (`TransportError`'s "unexpected response shape: …"): every
      // problem with its path. The messages differ only in the outermost schema's name.
      if (Either.isLeft(actual)) {
        expect(ParseResult.ArrayFormatter.formatErrorSync(actual.left))
          .toStrictEqual(ParseResult.ArrayFormatter.formatErrorSync(expected.left))
      }
    }
    return Either.isRight(expected)
  }

  it("on realistic pages", () => {
    fc.assert(
      fc.property(pageOf(wireAccount), (page) => {
        expect(law(page)).toBe(true)
      }),
      { numRuns: RUNS / 4 }
    )
  })

  it("on pages of odd records (mutated, valid, anything): read or reported in their places, as the schema does", () => {
    const odd = fc.oneof(mutated(fc.oneof(validRecord, wireAccount), AccountRecord), validRecord, anything)
    let malformed = 0
    fc.assert(
      fc.property(pageOf(odd), (page) => {
        expect(law(page)).toBe(true)
        malformed += Either.getOrThrow(decodeAccountsPage(page)).malformed.length
      }),
      { numRuns: RUNS / 4 }
    )
    // Both sides exercised: some records could not be read at all.
    expect(malformed).toBeGreaterThan(0)
  })

  it("on mutated pages and anything at all: the same page or the same error", () => {
    let refused = 0
    fc.assert(
      fc.property(fc.oneof(mutated(pageOf(wireAccount), Accounts), anything), (input) => {
        if (!law(input)) refused++
      }),
      { numRuns: RUNS / 2 }
    )
    expect(refused).toBeGreaterThan(RUNS / 20)
  })

  it("a GET /accounts page goes through the account check, and only the odd account through the schema", () => {
    const accounts = fc.sample(wireAccount, { numRuns: 100, seed: 7 })
    const page = { data: [...accounts, { name: null, domain: "odd.com", rtp_aid: "x" }], hasNextPage: false }
    // Every record but those with a score sent as text (left to the schema) and the odd one.
    const hasTextScore = (a: Record<string, unknown>) =>
      Object.entries(a).some(([key, value]) => key.endsWith("_score") && typeof value === "string")
    expect(page.data.filter((a) => readCleanRecord(a) === undefined)).toStrictEqual([
      ...accounts.filter(hasTextScore),
      page.data[100]
    ])
    const decoded = Either.getOrThrow(decodeAccountsPage(page))
    // What the record's schema reads; the field it does not name, kept in `extra`.
    expect(decoded.data.slice(0, 100)).toStrictEqual(accounts.map((a) => {
      const { rtp_new_metric, ...known } = a
      const read = Schema.decodeUnknownSync(AccountRecord)(known)
      return rtp_new_metric === undefined ? read : { ...read, extra: { rtp_new_metric } }
    }))
    // The odd one: the rest as the schema reads it, the name left out and reported.
    const { name: _, ...unnamed } = Schema.decodeUnknownSync(AccountRecord)({
      name: "",
      domain: "odd.com",
      rtp_aid: "x"
    })
    expect(decoded.data[100]).toStrictEqual({
      ...unnamed,
      issues: [{ field: "name", received: "null", note: "Expected string, actual null; left out" }]
    })
    expect(decoded.malformed).toStrictEqual([])
  })
})
