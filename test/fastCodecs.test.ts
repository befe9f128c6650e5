/**
 * The fast codecs (`src/internal/fastCodecs.ts`) against the schemas they stand in for.
 *
 * The law, for every codec, in both ways the fast path runs (generated code and closures):
 * whenever the fast path answers a value, the schema succeeds on the same input with a
 * deep-equal value (same keys present or absent, in the same order, the same defaults, excess
 * properties dropped or refused as the schema does); whenever the schema fails, the fast path
 * answers nothing; and the codec as a whole (fast path, then the schema) answers exactly what
 * the schema answers, errors included. Checked on valid values (from `effect/Arbitrary` and
 * hand-made realistic ones), on mutations of them, and on anything at all.
 *
 * And it must not degrade silently into always falling back: the realistic shapes must all be
 * taken by the fast path, and the `Accounts` page decoding must go through it.
 *
 * The account record's own check (`src/internal/cleanAccount.ts`) is held to `AccountRecord` at
 * the end: whenever it answers, the schema decodes the same input to the same value.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Arbitrary from "effect/Arbitrary"
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Schema from "effect/Schema"
import type * as AST from "effect/SchemaAST"
import {
  AccountInput,
  AccountPushResult,
  AccountRecord,
  Accounts,
  ExternalIdMapping,
  ListAccountsParams,
  MappingResponse
} from "../src/Account.js"
import { DealInput, DealResult } from "../src/Deal.js"
import { DealPipeline, DealPipelineInput, DealPipelineResult } from "../src/DealStage.js"
import { readCleanRecord } from "../src/internal/cleanAccount.js"
import {
  compileFast,
  fastDecoder,
  fastEncoder,
  fastItemEncoder,
  type FastMode,
  unsure
} from "../src/internal/fastCodecs.js"
import { SalesActivityInput, SalesActivityResult } from "../src/SalesActivity.js"

/** Runs per property; raise it for a deeper search: `FAST_CODECS_RUNS=50000 npx vitest run test/fastCodecs.test.ts`. */
const RUNS = Number(process.env["FAST_CODECS_RUNS"] ?? 2_000)
const MODES: ReadonlyArray<FastMode> = ["generated", "closures"]

// ---------------------------------------------------------------------------------------------
// Comparing with the schema
// ---------------------------------------------------------------------------------------------

interface Codec {
  readonly name: string
  readonly schema: Schema.Schema<any, any>
  readonly isDecoding: boolean
  readonly options?: AST.ParseOptions
  /** Valid values: encoded ones for a decoder, given ones for an encoder. */
  readonly valid: fc.Arbitrary<unknown>
  /** What realistic traffic looks like: the fast path must take every one. */
  readonly realistic: fc.Arbitrary<unknown>
}

/** The keys of every object in a value, in order, recursively: `toStrictEqual` ignores key order. */
const shape = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(shape)
  if (typeof value === "object" && value !== null && !(value instanceof Date) && !DateTime.isDateTime(value)) {
    return Reflect.ownKeys(value).map((key) => [key, shape((value as Record<PropertyKey, unknown>)[key])])
  }
  return null
}

/** A structural picture of an input, to check that nothing mutates it. */
const snapshot = (value: unknown): unknown => {
  if (Array.isArray(value)) return ["array", value.length, ...Array.from(value, snapshot)]
  if (value instanceof Date) return ["date", value.getTime()]
  if (typeof value === "object" && value !== null && !DateTime.isDateTime(value)) {
    return [
      "object",
      Object.getPrototypeOf(value),
      Reflect.ownKeys(value).map((key) => [key, snapshot((value as Record<PropertyKey, unknown>)[key])])
    ]
  }
  return value
}

interface Tally {
  runs: number
  fast: number
  valid: number
}

/** One check of the law on one input; counts what happened. */
const lawFor = (codec: Codec, mode: FastMode) => {
  const fast = compileFast(codec.schema.ast, codec.isDecoding, codec.options, mode)
  const reference: (input: unknown) => Either.Either<unknown, { readonly message: string }> = codec.isDecoding
    ? Schema.decodeUnknownEither(codec.schema, codec.options)
    : Schema.encodeEither(codec.schema, codec.options)
  const full: (input: unknown) => Either.Either<unknown, { readonly message: string }> = codec.isDecoding
    ? fastDecoder(codec.schema, codec.options)
    : fastEncoder(codec.schema, codec.options)
  const tally: Tally = { runs: 0, fast: 0, valid: 0 }
  const check = (input: unknown) => {
    tally.runs++
    const before = snapshot(input)
    // The interpreter throws on some inputs (`String(tag)` of a tag without a prototype): the
    // fast path must throw the same or leave it to the schema, never answer.
    const outcome = (run: () => unknown): { readonly threw: string } | { readonly value: unknown } => {
      try {
        return { value: run() }
      } catch (error) {
        return { threw: String(error) }
      }
    }
    const schemaOutcome = outcome(() => reference(input))
    if ("threw" in schemaOutcome) {
      const fastOutcome = outcome(() => fast(input))
      if (!("value" in fastOutcome && fastOutcome.value === unsure)) expect(fastOutcome).toStrictEqual(schemaOutcome)
      expect(outcome(() => full(input))).toStrictEqual(schemaOutcome)
      return
    }
    const answer = fast(input)
    expect(snapshot(input)).toStrictEqual(before)
    const expected = reference(input)
    if (Either.isRight(expected)) tally.valid++
    if (answer !== unsure) {
      tally.fast++
      if (Either.isLeft(expected)) {
        expect.fail(`the fast path accepted what the schema refuses: ${expected.left.message}`)
      }
      expect(answer).toStrictEqual(expected.right)
      expect(shape(answer)).toStrictEqual(shape(expected.right))
    }
    // The codec as a whole answers what the schema answers, errors included.
    const actual = full(input)
    if (Either.isRight(expected)) {
      expect(Either.isRight(actual)).toBe(true)
      expect(Either.getOrThrow(actual)).toStrictEqual(expected.right)
    } else {
      expect(Either.isLeft(actual)).toBe(true)
      if (Either.isLeft(actual)) expect(actual.left.message).toBe(expected.left.message)
    }
  }
  return { check, tally }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

const fresh = <A>(make: () => A): fc.Arbitrary<A> => fc.constant(null).map(make)

/** Values of every odd kind a field may be set to. */
const odd: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    null,
    undefined,
    "",
    "   ",
    "42",
    " 12.5 ",
    "-1e2",
    "+.5",
    "5.",
    "1e400",
    "0x1F",
    "NaN",
    "Infinity",
    "abc",
    "2026-04-22T10:30:00Z",
    "2026-04",
    "2026-13-45",
    "rep@example.com",
    "not an email",
    "call",
    "email",
    "inbound",
    "__proto__",
    NaN,
    Infinity,
    -Infinity,
    -0,
    0,
    1,
    1.5,
    -3,
    true,
    false
  ),
  fc.string({ maxLength: 8 }),
  fc.double(),
  fc.integer(),
  fresh(() => ({})),
  fresh(() => []),
  fc.array(fc.oneof(fc.string({ maxLength: 4 }), fc.integer(), fc.constant(null)), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
  fc.date(),
  fresh(() => new Date(Number.NaN)),
  fc.integer({ min: 0, max: 2_000_000_000_000 }).map((millis) => DateTime.unsafeMake(millis)),
  fresh(() => DateTime.unsafeMakeZoned(0, { timeZone: "Europe/Paris" }))
)

type Op = "delete" | "set" | "symbol" | "proto" | "hidden" | "inherit" | "nullProto" | "replace" | "hole" | "empty"

interface Mutation {
  readonly path: ReadonlyArray<number>
  readonly op: Op
  readonly key: string
  readonly value: unknown
}

/** Every property name a schema mentions, at any depth: mutations aim at them. */
const namesOf = (ast: AST.AST, seen = new Set<AST.AST>(), names = new Set<string>()): Set<string> => {
  if (seen.has(ast)) return names
  seen.add(ast)
  switch (ast._tag) {
    case "TypeLiteral":
      for (const ps of ast.propertySignatures) {
        if (typeof ps.name === "string") names.add(ps.name)
        namesOf(ps.type, seen, names)
      }
      for (const is of ast.indexSignatures) namesOf(is.type, seen, names)
      break
    case "Union":
      ast.types.forEach((member) => namesOf(member, seen, names))
      break
    case "TupleType":
      ast.elements.forEach((element) => namesOf(element.type, seen, names))
      ast.rest.forEach((rest) => namesOf(rest.type, seen, names))
      break
    case "Refinement":
      namesOf(ast.from, seen, names)
      break
    case "Transformation":
      namesOf(ast.from, seen, names)
      namesOf(ast.to, seen, names)
      break
  }
  return names
}

const mutation = (names: ReadonlyArray<string>): fc.Arbitrary<Mutation> =>
  fc.record({
    path: fc.array(fc.nat(), { maxLength: 4 }),
    op: fc.constantFrom<Op>(
      "delete",
      "set",
      "set",
      "set",
      "symbol",
      "proto",
      "hidden",
      "inherit",
      "nullProto",
      "replace",
      "hole",
      "empty"
    ),
    key: names.length > 0
      ? fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 5 }))
      : fc.string({ maxLength: 5 }),
    value: odd
  })

const isContainer = (value: unknown): value is Record<PropertyKey, unknown> =>
  typeof value === "object" && value !== null && !(value instanceof Date) && !DateTime.isDateTime(value)

/** A deep copy of what the generators make (plain objects, arrays, dates; `DateTime`s are immutable). */
const copy = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(copy)
  if (value instanceof Date) return new Date(value.getTime())
  if (isContainer(value)) {
    const out: Record<PropertyKey, unknown> = Object.create(Object.getPrototypeOf(value))
    for (const key of Reflect.ownKeys(value)) {
      Object.defineProperty(out, key, { ...Object.getOwnPropertyDescriptor(value, key)!, value: copy(value[key]) })
    }
    return out
  }
  return value
}

/** Applies one mutation at the node its path leads to (the root if the path leads nowhere). */
const mutate = (root: unknown, m: Mutation): unknown => {
  let node = root
  let parent: Record<PropertyKey, unknown> | undefined
  let parentKey: PropertyKey = ""
  for (const step of m.path) {
    if (!isContainer(node)) break
    const keys = Object.keys(node)
    if (keys.length === 0) break
    parent = node
    parentKey = keys[step % keys.length]!
    node = node[parentKey]
  }
  const put = (value: unknown) => {
    if (parent === undefined) return value
    parent[parentKey] = value
    return root
  }
  if (!isContainer(node) || m.op === "replace") return put(m.value)
  const keys = Object.keys(node)
  switch (m.op) {
    case "delete": {
      const key = keys.includes(m.key) ? m.key : keys[0]
      if (key === undefined) return root
      if (Array.isArray(node)) node.splice(Number(key), 1)
      else delete node[key]
      return root
    }
    case "set":
      node[m.key] = m.value
      return root
    case "symbol":
      node[Symbol("extra")] = m.value
      return root
    case "proto":
      Object.defineProperty(node, "__proto__", { value: m.value, enumerable: true, writable: true, configurable: true })
      return root
    case "hidden":
      Object.defineProperty(node, m.key, { value: m.value, enumerable: false, writable: true, configurable: true })
      return root
    case "inherit": {
      if (Array.isArray(node)) return root
      const child = Object.create({ [m.key]: m.value })
      for (const key of Reflect.ownKeys(node)) {
        Object.defineProperty(child, key, Object.getOwnPropertyDescriptor(node, key)!)
      }
      return put(child)
    }
    case "nullProto": {
      if (Array.isArray(node)) return root
      return put(Object.assign(Object.create(null), node))
    }
    case "empty":
      if (Array.isArray(node)) node.length = 0
      else for (const key of keys) delete node[key]
      return root
    case "hole":
      if (Array.isArray(node)) {
        if (node.length > 0 && m.key.length % 2 === 0) delete node[0]
        else node.length += 1
      }
      return root
  }
  return root
}

const mutated = (codec: Codec): fc.Arbitrary<unknown> => {
  const names = [...namesOf(codec.schema.ast)]
  return fc.tuple(fc.oneof(codec.valid, codec.realistic), fc.array(mutation(names), { minLength: 1, maxLength: 3 }))
    .map(
      ([value, mutations]) => mutations.reduce(mutate, copy(value))
    )
}

const anything: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, withNullPrototype: true, withObjectString: true }),
  fc.jsonValue({ maxDepth: 2 }),
  odd
)

// ---------------------------------------------------------------------------------------------
// Realistic values
// ---------------------------------------------------------------------------------------------

const word = fc.stringMatching(/^[A-Za-z][A-Za-z0-9 ._-]{0,15}$/)
const domain = fc.tuple(
  fc.stringMatching(/^[a-z][a-z0-9-]{0,10}[a-z0-9]$/),
  fc.constantFrom("com", "io", "co.uk", "de")
)
  .map(([name, tld]) => `${name}.${tld}`)
const email = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9.]{0,8}[a-z0-9]$/), domain).map(([local, at]) =>
  `${local}@${at}`
)
  .filter((address) => !address.includes(".."))
const isoText = fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }).map((d) =>
  d.toISOString()
)
const dateInput: fc.Arbitrary<unknown> = fc.oneof(
  isoText,
  fc.constantFrom("2026-04-22", "2026-04", "2026-04-22 10:30:00", "2026-04-22T10:30:00+05", "2026-04-22T10:30:00.5z"),
  fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }),
  fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }).map((millis) => DateTime.unsafeMake(millis)),
  fc.integer({ min: 946_684_800_000, max: 4_102_444_800_000 }).map((millis) =>
    DateTime.unsafeMakeZoned(millis, { timeZone: "America/New_York" })
  )
)
const fieldKey = fc.constantFrom("industry", "employees", "tier", "regions", "is_customer", "arr", "owner")
const customFieldValue = fc.oneof(
  word,
  fc.integer({ min: -1_000, max: 1_000_000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(word, fc.integer()), { maxLength: 3 })
)
const customFields = fc.dictionary(fieldKey, customFieldValue, { maxKeys: 4 })

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

const resultOf = (key: string) =>
  fc.record({
    [key]: fc.option(word, { nil: null }),
    status: fc.constantFrom("created", "updated", "upserted", "failed", "skipped", "queued"),
    error: fc.option(word, { nil: null }),
    index: fc.nat(99)
  }, { requiredKeys: ["status"] })

const pushResult = fc.record({
  externalId: fc.option(word, { nil: null }),
  rtp_aid: fc.option(fc.stringMatching(/^[0-9a-f]{24}$/), { nil: null }),
  domain: fc.option(domain, { nil: null }),
  status: fc.constantFrom("created", "updated", "upserted", "failed", "skipped"),
  error: fc.option(word, { nil: null })
}, { requiredKeys: ["status"] })

const accountInput = fc.record({
  externalId: fc.stringMatching(/^crm-[0-9]{1,6}$/),
  domain,
  name: word.filter((text) => text.trim() !== ""),
  shortName: word,
  linkedinUrl: domain.map((d) => `https://www.linkedin.com/company/${d}`),
  tags: fc.array(word, { maxLength: 3 }),
  customFields
}, { requiredKeys: ["domain", "name"] })

const mapping = fc.record({ domain, externalId: fc.stringMatching(/^crm-[0-9]{1,6}$/) })

const associatedAccount = fc.record({ externalId: word, domain, name: word }, { requiredKeys: [] })

const dealInput = fc.record({
  externalDealId: fc.stringMatching(/^deal-[0-9]{1,6}$/),
  name: word.filter((text) => text.trim() !== ""),
  amount: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.double({ min: 0, max: 1e7, noNaN: true })),
  stageId: word,
  stageLabel: word,
  pipelineId: word,
  pipelineLabel: word,
  startDate: dateInput,
  closedDate: dateInput,
  ownerName: word,
  ownerEmail: email,
  ownerId: word,
  dealCurrencyCode: fc.constantFrom("USD", "EUR", "GBP"),
  associatedAccounts: fc.array(associatedAccount, { maxLength: 3 })
}, { requiredKeys: ["externalDealId", "name"] })

const contact = fc.record({
  email,
  externalContactId: word,
  name: word,
  title: word,
  department: word,
  seniority: word,
  phone: fc.stringMatching(/^\+[0-9]{8,12}$/),
  linkedinUrl: word
}, { requiredKeys: ["email"] })

const common = {
  externalActivityId: fc.stringMatching(/^act-[0-9]{1,6}$/),
  occurredAt: dateInput,
  domain,
  ownerEmail: email,
  contacts: fc.array(contact, { minLength: 1, maxLength: 3 }),
  accountName: word,
  subject: word,
  ownerName: word,
  ownerId: word,
  from: fc.record({ name: word, email }, { requiredKeys: [] })
}
const commonKeys = ["externalActivityId", "occurredAt", "domain", "ownerEmail", "contacts"] as const
const activityInput = fc.oneof(
  fc.record({
    ...common,
    activityType: fc.constant("call" as const),
    callTitle: word,
    durationMinutes: fc.oneof(fc.nat(600), fc.double({ min: 0, max: 600, noNaN: true })),
    outcome: fc.constantFrom("Connected", "Left voicemail", "No answer"),
    direction: fc.constantFrom("inbound" as const, "outbound" as const)
  }, { requiredKeys: [...commonKeys, "activityType"] }),
  fc.record({
    ...common,
    activityType: fc.constant("email" as const),
    openCount: fc.nat(50),
    clickCount: fc.nat(50)
  }, { requiredKeys: [...commonKeys, "activityType"] })
)

const pipelineInput = fc.record({
  pipelineId: fc.stringMatching(/^p-[0-9]{1,4}$/),
  pipelineLabel: word.filter((text) => text.trim() !== ""),
  stages: fc.uniqueArray(
    fc.record({ stageId: fc.stringMatching(/^s-[0-9]{1,4}$/), stageLabel: word.filter((text) => text.trim() !== "") }),
    { minLength: 1, maxLength: 5, selector: (stage) => stage.stageId }
  )
})

const ITEM: AST.ParseOptions = { onExcessProperty: "error" }

const codecs: ReadonlyArray<Codec> = [
  {
    name: "AccountRecord (decode, errors: all)",
    schema: AccountRecord,
    isDecoding: true,
    options: { errors: "all" },
    valid: Arbitrary.make(Schema.encodedSchema(AccountRecord)),
    realistic: wireAccount
  },
  {
    name: "AccountPushResult (decode)",
    schema: AccountPushResult,
    isDecoding: true,
    valid: Arbitrary.make(Schema.encodedSchema(AccountPushResult)),
    realistic: pushResult
  },
  {
    name: "DealResult (decode)",
    schema: DealResult,
    isDecoding: true,
    valid: Arbitrary.make(Schema.encodedSchema(DealResult)),
    realistic: resultOf("externalDealId")
  },
  {
    name: "SalesActivityResult (decode)",
    schema: SalesActivityResult,
    isDecoding: true,
    valid: Arbitrary.make(Schema.encodedSchema(SalesActivityResult)),
    realistic: resultOf("externalActivityId")
  },
  {
    name: "DealPipelineResult (decode)",
    schema: DealPipelineResult,
    isDecoding: true,
    valid: Arbitrary.make(Schema.encodedSchema(DealPipelineResult)),
    realistic: resultOf("pipelineId")
  },
  {
    name: "AccountInput (encode, onExcessProperty: error)",
    schema: AccountInput,
    isDecoding: false,
    options: ITEM,
    valid: Arbitrary.make(AccountInput),
    realistic: accountInput
  },
  {
    name: "ExternalIdMapping (encode, onExcessProperty: error)",
    schema: ExternalIdMapping,
    isDecoding: false,
    options: ITEM,
    valid: Arbitrary.make(ExternalIdMapping),
    realistic: mapping
  },
  {
    name: "DealInput (encode, onExcessProperty: error)",
    schema: DealInput,
    isDecoding: false,
    options: ITEM,
    // `DateInput` has no arbitrary of its own: the hand-made deals cover it.
    valid: dealInput,
    realistic: dealInput
  },
  {
    name: "SalesActivityInput (encode, onExcessProperty: error)",
    schema: SalesActivityInput,
    isDecoding: false,
    options: ITEM,
    valid: activityInput,
    realistic: activityInput
  },
  {
    name: "DealPipelineInput (encode, onExcessProperty: error)",
    schema: DealPipelineInput,
    isDecoding: false,
    options: ITEM,
    valid: Arbitrary.make(DealPipelineInput),
    realistic: pipelineInput
  }
]

/**
 * Other schemas of the client, not wired to the fast path: they exercise what the ones above do
 * not (an encoded `Struct` with `optionalWith` defaults, `NumberFromString` under filters,
 * `parseJson`, defaults of arrays), so that the compiler is checked beyond today's needs.
 */
const moreCodecs: ReadonlyArray<Codec> = [
  {
    name: "AccountRecord (encode, onExcessProperty: error)",
    schema: AccountRecord,
    isDecoding: false,
    options: ITEM,
    valid: Arbitrary.make(AccountRecord),
    realistic: wireAccount.map((raw) => Schema.decodeUnknownSync(AccountRecord)(raw))
  },
  {
    name: "MappingResponse (decode)",
    schema: MappingResponse,
    isDecoding: true,
    valid: Arbitrary.make(Schema.encodedSchema(MappingResponse)),
    realistic: fc.record({
      matched: fc.nat(100),
      updated: fc.nat(100),
      notFound: fc.option(fc.array(domain), { nil: null })
    }, {
      requiredKeys: ["matched", "updated"]
    })
  },
  {
    name: "DealPipeline (decode)",
    schema: DealPipeline,
    isDecoding: true,
    valid: Arbitrary.make(Schema.encodedSchema(DealPipeline)),
    realistic: fc.record({
      pipelineId: word,
      pipelineLabel: word,
      stages: fc.array(fc.record({ stageId: word, stageLabel: word }), { maxLength: 4 })
    })
  },
  {
    name: "ListAccountsParams (encode)",
    schema: ListAccountsParams,
    isDecoding: false,
    valid: fc.record({
      lastSync: dateInput,
      limit: fc.integer({ min: 1, max: 500 }),
      cursor: word,
      domains: fc.array(domain, { minLength: 1, maxLength: 5 })
    }, { requiredKeys: [] }),
    realistic: fc.record({
      lastSync: dateInput,
      limit: fc.integer({ min: 1, max: 500 }),
      cursor: word,
      domains: fc.array(domain, { minLength: 1, maxLength: 5 })
    }, { requiredKeys: [] })
  }
]

/** A class schema: a `Declaration` behind a transformation. */
class Person extends Schema.Class<Person>("Person")({
  name: Schema.String,
  age: Schema.optionalWith(Schema.Number, { default: () => 0 })
}) {}

enum Color {
  Red = "red",
  Green = 1
}

/** Shapes the client does not use (yet), for the parts of the compiler its schemas leave idle. */
const synthetic: ReadonlyArray<readonly [string, Schema.Schema<any, any>]> = [
  [
    "tuples tagged by a literal element",
    Schema.Union(
      Schema.Tuple(Schema.Literal("a"), Schema.String),
      Schema.Tuple(Schema.Literal("b"), Schema.NumberFromString),
      Schema.Tuple(Schema.Literal(1), Schema.optionalElement(Schema.Boolean))
    )
  ],
  [
    "renamed keys and exact optionals",
    Schema.Struct({
      a: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("A")),
      b: Schema.optional(Schema.Number).pipe(Schema.fromKey("B")),
      c: Schema.optionalWith(Schema.String, { exact: true, default: () => "c" })
    })
  ],
  [
    "structs that overlap in a union",
    Schema.Union(
      Schema.Struct({ kind: Schema.Literal("x"), a: Schema.String }),
      Schema.Struct({ kind: Schema.Literal("x"), b: Schema.Number }),
      Schema.Struct({ a: Schema.String, c: Schema.optional(Schema.Boolean) })
    )
  ],
  [
    "a record with fields",
    Schema.Struct(
      { id: Schema.Number },
      Schema.Record({ key: Schema.String, value: Schema.Union(Schema.Number, Schema.String) })
    )
  ],
  [
    "enums and literals",
    Schema.Struct({
      e: Schema.Enums(Color),
      l: Schema.Literal(1, "1", true, null),
      big: Schema.optional(Schema.BigIntFromSelf)
    })
  ],
  ["a class", Person],
  ["dates", Schema.Struct({ at: Schema.DateTimeUtc, d: Schema.optional(Schema.Date) })],
  [
    "nested arrays with filters",
    Schema.Array(Schema.NonEmptyArray(Schema.Struct({ n: Schema.Int.pipe(Schema.positive()) })))
  ]
]

const syntheticCodecs: ReadonlyArray<Codec> = synthetic.flatMap(([name, schema]) => {
  const encoded = Arbitrary.make(Schema.encodedSchema(schema))
  const type = Arbitrary.make(Schema.typeSchema(schema))
  return [
    { name: `${name} (decode)`, schema, isDecoding: true, valid: encoded, realistic: encoded },
    {
      name: `${name} (decode, onExcessProperty: error, exact)`,
      schema,
      isDecoding: true,
      options: { onExcessProperty: "error", exact: true },
      valid: encoded,
      realistic: encoded
    },
    {
      name: `${name} (encode, onExcessProperty: error)`,
      schema,
      isDecoding: false,
      options: ITEM,
      valid: type,
      realistic: type
    }
  ]
})

// ---------------------------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------------------------

/** The law on valid, mutated and arbitrary inputs; `live`: also check both sides were exercised. */
const lawTests = (codec: Codec, runs: number, live = true) =>
  describe(codec.name, () => {
    // 2,000 runs take a few seconds; more (`FAST_CODECS_RUNS`) take proportionally longer.
    const timeout = 60_000 * Math.max(1, runs / 2_000)
    for (const mode of MODES) {
      it(`${mode}: valid values are taken, with the schema's value`, () => {
        const { check, tally } = lawFor(codec, mode)
        fc.assert(fc.property(fc.oneof(codec.valid, codec.realistic), check), { numRuns: runs })
        // Arbitrary values include some the schema refuses (e.g. a non-numeric score text).
        if (live) expect(tally.fast).toBeGreaterThan(tally.valid * 0.8)
      }, timeout)

      it(`${mode}: mutated values: never accepted when the schema refuses, the same value when it succeeds`, () => {
        const { check, tally } = lawFor(codec, mode)
        fc.assert(fc.property(mutated(codec), check), { numRuns: runs })
        // Both sides of the law are exercised.
        if (live) {
          expect(tally.fast).toBeGreaterThan(runs / 20)
          expect(tally.runs - tally.valid).toBeGreaterThan(runs / 5)
        }
      }, timeout)

      it(`${mode}: anything at all`, () => {
        const { check } = lawFor(codec, mode)
        fc.assert(fc.property(anything, check), { numRuns: runs / 4 })
      }, timeout)
    }
  })

describe("fast codecs agree with their schema", () => {
  for (const codec of codecs) lawTests(codec, RUNS)
})

describe("the compiler on other schemas of the client", () => {
  for (const codec of moreCodecs) lawTests(codec, RUNS / 4)
})

describe("the compiler on other shapes", () => {
  for (const codec of syntheticCodecs) lawTests(codec, RUNS / 4, false)
})

describe("the fast path takes the common shapes", () => {
  for (const codec of [...codecs, ...moreCodecs]) {
    it(`${codec.name}: every realistic value, in both modes`, () => {
      const samples = fc.sample(codec.realistic, { numRuns: 300, seed: 42 })
      for (const mode of MODES) {
        const { check, tally } = lawFor(codec, mode)
        samples.forEach(check)
        expect(tally.valid).toBe(samples.length)
        expect(tally.fast).toBe(samples.length)
      }
    })
  }

  it("generated code is in use here (not only the closures)", () => {
    expect(String(compileFast(AccountRecord.ast, true, { errors: "all" }))).toContain(`"rtp_aid"`)
    expect(String(compileFast(AccountRecord.ast, true, { errors: "all" }, "closures"))).not.toContain(`"rtp_aid"`)
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
    const decoded = Schema.decodeUnknownSync(Accounts)(page)
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

  it("codecs are compiled once per schema and options", () => {
    expect(fastDecoder(AccountRecord, { errors: "all" })).toBe(fastDecoder(AccountRecord, { errors: "all" }))
    expect(fastDecoder(DealResult)).toBe(fastDecoder(DealResult))
    expect(fastItemEncoder(AccountInput)).toBe(fastEncoder(AccountInput, { onExcessProperty: "error" }))
    expect(fastDecoder(DealResult)).not.toBe(fastDecoder(DealResult, { errors: "all" }))
  })
})

describe("cases the fast path leaves to the schema", () => {
  const decode = fastDecoder(AccountRecord, { errors: "all" })
  const base = { name: "Acme", domain: "acme.com", rtp_aid: "a1" }
  const encode = fastItemEncoder(AccountInput)

  it("an excess property of an item: refused by the schema, with its message", () => {
    const item = { name: "Acme", domain: "acme.com", extra: 1 }
    expect(encode.fast(item as AccountInput)).toBe(unsure)
    expect(Either.isLeft(encode(item as AccountInput))).toBe(true)
  })

  it("a `__proto__` custom-field key", () => {
    const raw = JSON.parse(
      `{"name":"Acme","domain":"acme.com","rtp_aid":"a1","customFields":{"__proto__":{"x":1},"tier":"A"}}`
    )
    expect(decode.fast(raw)).toBe(unsure)
    expect(decode(raw)).toStrictEqual(Schema.decodeUnknownEither(AccountRecord, { errors: "all" })(raw))
  })

  it("a non-numeric score text fails in the schema, with its message", () => {
    expect(decode.fast({ ...base, rtp_account_score: "high" })).toBe(unsure)
    const result = decode({ ...base, rtp_account_score: "high" })
    expect(Either.isLeft(result)).toBe(true)
  })

  it("numeric text, null and missing scores are read on the fast path, as the schema reads them", () => {
    expect(decode.fast({ ...base, rtp_account_score: " 12.5 ", rtp_g2_intent_score: null, externalId: null }))
      .toStrictEqual({
        ...base,
        rtp_account_score: 12.5,
        rtp_journey_stage: "",
        rtp_advertising_activity_score: 0,
        rtp_website_intent_score: 0,
        rtp_g2_intent_score: 0,
        rtp_bombora_intent_score: 0
      })
  })

  it("options the fast path does not mirror: always the schema", () => {
    expect(compileFast(AccountRecord.ast, true, { onExcessProperty: "preserve" })(base)).toBe(unsure)
    expect(compileFast(AccountRecord.ast, true, { propertyOrder: "original" })(base)).toBe(unsure)
  })
})

describe("the account record's check (`internal/cleanAccount.ts`) against `AccountRecord`", () => {
  const reference = Schema.decodeUnknownEither(AccountRecord, { errors: "all" })
  const accountCodec = codecs[0]!

  /** Whenever the check answers, the schema decodes the input to the same value, keys in the same order. */
  const law = (input: unknown) => {
    const before = snapshot(input)
    const clean = readCleanRecord(input)
    expect(snapshot(input)).toStrictEqual(before)
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
    fc.assert(fc.property(accountCodec.valid, (record) => void law(record)), { numRuns: RUNS })
  })

  it("on mutated records (wrong types, missing, null, undefined, extra and odd keys): never a value the schema refuses", () => {
    fc.assert(fc.property(mutated(accountCodec), (record) => void law(record)), { numRuns: RUNS })
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
    expect(law({ ...base, externalId: null, rtp_g2_intent_score: null, customFields: null })).toBe(true)
  })
})
