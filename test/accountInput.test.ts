/**
 * The plain check that encodes an `accounts.push` item (`src/internal/cleanAccountInput.ts`)
 * against `Schema.encodeEither(AccountInput, { onExcessProperty: "error" })`, the schema it stands
 * in for: whenever it answers, the schema encodes the same input to the same value, keys in the
 * same order; whenever the schema refuses, it answers nothing; realistic items are all taken.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import { AccountInput } from "../src/Account.js"
import { encodeCleanAccountInput } from "../src/internal/cleanAccountInput.js"
import { anything, customFields, domain, leavesAlone, mutated, shape, word } from "./generated.js"

/** Runs per property; raise it for a deeper search: `ACCOUNT_INPUT_RUNS=50000 npx vitest run test/accountInput.test.ts`. */
const RUNS = Number(process.env["ACCOUNT_INPUT_RUNS"] ?? 2_000)

/** An item as users write them. */
const accountInput = fc.record({
  externalId: fc.stringMatching(/^crm-[0-9]{1,6}$/),
  domain,
  name: word.filter((text) => text.trim() !== ""),
  shortName: word,
  linkedinUrl: domain.map((d) => `https://www.linkedin.com/company/${d}`),
  tags: fc.array(word, { maxLength: 3 }),
  customFields
}, { requiredKeys: ["domain", "name"] })

/** Any item the schema's type allows. */
const validInput = Arbitrary.make(AccountInput)

const reference = Schema.encodeEither(AccountInput, { onExcessProperty: "error" })

/** Whenever the check answers, the schema encodes the input to the same value; returns whether it answered. */
const law = (input: unknown) => {
  const sent = leavesAlone(input, encodeCleanAccountInput)
  if (sent === undefined) return false
  // The check's input type is `unknown`: the schema is the judge of whether it is an item.
  const encoded = reference(input as AccountInput)
  if (Either.isLeft(encoded)) expect.fail(`the check answered what the schema refuses: ${encoded.left.message}`)
  expect(sent).toStrictEqual(encoded.right)
  expect(shape(sent)).toStrictEqual(shape(encoded.right))
  return true
}

describe("the push item's check (`internal/cleanAccountInput.ts`) against `AccountInput`", () => {
  it("on realistic items: every one taken, with the schema's value", () => {
    fc.assert(
      fc.property(accountInput, (item) => {
        expect(law(item)).toBe(true)
      }),
      { numRuns: RUNS }
    )
  })

  it("on any valid item: the schema's value, and most are taken", () => {
    let taken = 0
    fc.assert(
      fc.property(validInput, (item) => {
        if (law(item)) taken++
      }),
      { numRuns: RUNS }
    )
    expect(taken).toBeGreaterThan(RUNS / 2)
  })

  it("on mutated items (wrong types, missing, excess, odd keys): never a value the schema refuses", () => {
    let refused = 0
    fc.assert(
      fc.property(mutated(fc.oneof(validInput, accountInput), AccountInput), (item) => {
        law(item)
        if (Either.isLeft(reference(item as AccountInput))) refused++
      }),
      { numRuns: RUNS }
    )
    // Both sides exercised.
    expect(refused).toBeGreaterThan(RUNS / 5)
  })

  it("on anything at all: never a value the schema refuses", () => {
    fc.assert(fc.property(anything, (input) => void law(input)), { numRuns: RUNS })
  })

  it("leaves to the schema what it does not read itself", () => {
    const base = { name: "Acme", domain: "acme.com" }
    for (
      const odd of [
        { ...base, extra: 1 },
        { ...base, domain: undefined },
        { ...base, externalId: " " },
        { ...base, tags: ["a", 1] },
        { ...base, customFields: { tier: Infinity } },
        { ...base, customFields: { tier: [{}] } },
        { ...base, [Symbol("x")]: 1 },
        JSON.parse(`{"name":"Acme","domain":"acme.com","customFields":{"__proto__":{"x":1}}}`),
        Object.assign(Object.create({ name: "Acme" }), { domain: "acme.com" })
      ]
    ) expect(encodeCleanAccountInput(odd)).toBeUndefined()
    expect(law({ ...base, tags: [], customFields: { tier: null, regions: ["emea", 2] } })).toBe(true)
    expect(law({ ...base, externalId: undefined, shortName: undefined })).toBe(true)
  })

  it("sends copies: what it answers shares no list or object with the item", () => {
    const item = { name: "Acme", domain: "acme.com", tags: ["a"], customFields: { regions: ["emea"] } }
    const sent = encodeCleanAccountInput(item) as typeof item
    expect(sent.tags).not.toBe(item.tags)
    expect(sent.customFields).not.toBe(item.customFields)
    expect(sent.customFields.regions).not.toBe(item.customFields.regions)
  })
})
