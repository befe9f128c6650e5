/**
 * An odd field never costs a whole account: every odd field the service may send, through every
 * way accounts are read (list, stream, sync, the typed view, `AccountSyncJob`), is delivered with
 * that field read as its fallback and the issue reported on the account. Only a record without a
 * usable `rtp_aid` or `domain`, or that is not an object, is malformed. Property tests hold the
 * reading to the record's schema (`AccountRecord`), field by field.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as fc from "effect/FastCheck"
import * as Layer from "effect/Layer"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { AccountRecord } from "../src/Account.js"
import * as AccountSyncJob from "../src/AccountSyncJob.js"
import * as BulkSettle from "../src/BulkSettle.js"
import * as CustomFieldSchema from "../src/CustomFieldSchema.js"
import { type Account, Account as AccountSchema, type AccountIssue, Accounts, RecotapCrm } from "../src/index.js"
import { account, crmWith, envelope, errorEnvelope, recordingLogger, settle, successOf } from "./helpers.js"

const collect = <A, E, R>(stream: Stream.Stream<A, E, R>) =>
  Effect.map(Stream.runCollect(stream), Chunk.toReadonlyArray)

const without = (record: Readonly<Record<string, unknown>>, key: string) =>
  Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))

const EPOCH = 1_777_539_600_000
const EPOCH_ISO = "2026-04-30T09:00:00.000Z"

/** One odd field: the record sent (account `n` with the field changed), what the field reads as, and the issue. */
interface Row {
  readonly name: string
  readonly field: string
  /** The record's value of the field: `undefined` for a missing one. */
  readonly sent: unknown
  /** What the account holds: `undefined` for absent. */
  readonly read: unknown
  /** The issue's note, in full. */
  readonly note: string
}

const SCORE = "read as 0 (not yet scored)"
const STAGE = "read as \"\" (not yet scored)"

const rows: ReadonlyArray<Row> = [
  {
    name: "a score of \"N/A\"",
    field: "rtp_account_score",
    sent: "N/A",
    read: 0,
    note: `Expected number | a numeric string | null, actual "N/A"; ${SCORE}`
  },
  {
    name: "a score of \"\"",
    field: "rtp_g2_intent_score",
    sent: "",
    read: 0,
    note: `Expected number | a numeric string | null, actual ""; ${SCORE}`
  },
  {
    name: "a score of true",
    field: "rtp_website_intent_score",
    sent: true,
    read: 0,
    note: `Expected number | string | null, actual true; ${SCORE}`
  },
  {
    name: "a score that is an object",
    field: "rtp_bombora_intent_score",
    sent: { value: 7 },
    read: 0,
    note: `Expected number | string | null, actual {"value":7}; ${SCORE}`
  },
  {
    name: "a score that is a list",
    field: "rtp_advertising_activity_score",
    sent: [7],
    read: 0,
    note: `Expected number | string | null, actual [7]; ${SCORE}`
  },
  {
    name: "externalId as a number",
    field: "externalId",
    sent: 12345,
    read: "12345",
    note: "Expected string | null, actual 12345; read as its decimal text"
  },
  {
    name: "externalId as a whole number JSON may have rounded",
    field: "externalId",
    sent: 2 ** 60,
    read: undefined,
    note:
      "Expected string | null, actual 1152921504606847000; left out: a whole number this large may have been rounded on the way"
  },
  {
    name: "externalId as a boolean",
    field: "externalId",
    sent: true,
    read: undefined,
    note: "Expected string | null, actual true; left out"
  },
  {
    name: "customFields as []",
    field: "customFields",
    sent: [],
    read: undefined,
    note: "Expected { readonly [x: string]: unknown } | null, actual []; left out"
  },
  {
    name: "customFields as text",
    field: "customFields",
    sent: "none",
    read: undefined,
    note: "Expected { readonly [x: string]: unknown } | null, actual \"none\"; left out"
  },
  {
    name: "customFields as a number",
    field: "customFields",
    sent: 0,
    read: undefined,
    note: "Expected { readonly [x: string]: unknown } | null, actual 0; left out"
  },
  {
    name: "rtp_last_account_date as epoch milliseconds",
    field: "rtp_last_account_date",
    sent: EPOCH,
    read: EPOCH_ISO,
    note: `Expected string | null, actual ${EPOCH}; read as epoch milliseconds: ${EPOCH_ISO}`
  },
  {
    name: "rtp_last_account_date as a number that could be seconds",
    field: "rtp_last_account_date",
    sent: 1_777_539_600,
    read: undefined,
    note: "Expected string | null, actual 1777539600; left out"
  },
  {
    name: "rtp_last_account_date as a boolean",
    field: "rtp_last_account_date",
    sent: false,
    read: undefined,
    note: "Expected string | null, actual false; left out"
  },
  {
    name: "rtp_last_account_date as an object",
    field: "rtp_last_account_date",
    sent: { $date: EPOCH },
    read: undefined,
    note: `Expected string | null, actual {"$date":${EPOCH}}; left out`
  },
  { name: "name: null", field: "name", sent: null, read: undefined, note: "Expected string, actual null; left out" },
  {
    name: "name as a number",
    field: "name",
    sent: 42,
    read: "42",
    note: "Expected string, actual 42; read as its decimal text"
  },
  { name: "no name", field: "name", sent: undefined, read: undefined, note: "is missing; left out" },
  {
    name: "rtp_journey_stage as a number",
    field: "rtp_journey_stage",
    sent: 3,
    read: "",
    note: `Expected string | null, actual 3; ${STAGE}`
  },
  {
    name: "rtp_journey_stage as a list",
    field: "rtp_journey_stage",
    sent: ["Aware"],
    read: "",
    note: `Expected string | null, actual ["Aware"]; ${STAGE}`
  }
]

/** The record of row `i`: account `i + 1` with the row's field sent as it says (or missing). */
const recordOf = (row: Row, i: number): Record<string, unknown> => {
  const base = without(account(i + 1), row.field)
  return row.sent === undefined ? base : { ...base, [row.field]: row.sent }
}

/** A new `rtp_` field Recotap might add: kept in `extra`, not an issue. */
const withExtra = { ...account(90), rtp_intent_topics: ["crm", "ads"], rtp_score_version: 2 }

const oddPage = [...rows.map(recordOf), withExtra, account(91)]

const onePage = () => envelope({ data: oddPage, hasNextPage: false, syncTimestamp: "2026-05-01T00:00:00.000Z" })

/** What row `i`'s account must be: its field as the row says, one issue naming it, the rest as sent. */
const checkRow = (row: Row, i: number, delivered: Account | undefined) => {
  const label = row.name
  expect(delivered, label).toBeDefined()
  const got: Readonly<Record<string, unknown>> = delivered!
  expect(got["rtp_aid"], label).toBe(account(i + 1).rtp_aid)
  if (row.read === undefined) expect(Object.keys(got), label).not.toContain(row.field)
  else expect(got[row.field], label).toEqual(row.read)
  const issue: AccountIssue = row.sent === undefined
    ? { field: row.field, note: row.note }
    : { field: row.field, received: JSON.stringify(row.sent), note: row.note }
  expect(delivered!.issues, label).toStrictEqual([issue])
  // Every other field as a clean record of it reads.
  const clean = Schema.decodeUnknownSync(AccountRecord)(account(i + 1))
  for (const [key, value] of Object.entries(clean)) {
    if (key !== row.field) expect(got[key], `${label}: ${key}`).toEqual(value)
  }
}

const checkPage = (accounts: ReadonlyArray<Account>) => {
  expect(accounts).toHaveLength(rows.length + 2)
  rows.forEach((row, i) => checkRow(row, i, accounts[i]))
  expect(accounts[rows.length]).toStrictEqual({
    ...Schema.decodeUnknownSync(AccountRecord)(account(90)),
    extra: { rtp_intent_topics: ["crm", "ads"], rtp_score_version: 2 }
  })
  // A clean record decodes exactly as the record's schema reads it: no `issues`, no `extra`.
  expect(accounts[rows.length + 1]).toStrictEqual(Schema.decodeUnknownSync(AccountRecord)(account(91)))
  expect(Object.keys(accounts[rows.length + 1]!)).not.toContain("issues")
}

describe("every odd field is read as its fallback and reported, never costing the account", () => {
  it.effect("list", () => {
    const { layer } = crmWith(onePage)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const page = yield* crm.accounts.list()
      expect(page.malformed).toEqual([])
      checkPage(page.data)
    }).pipe(Effect.provide(layer))
  })

  it.effect("pages", () => {
    const { layer } = crmWith(onePage)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const pages = yield* collect(crm.accounts.pages())
      expect(pages.flatMap((p) => p.malformed)).toEqual([])
      checkPage(pages.flatMap((p) => p.data))
    }).pipe(Effect.provide(layer))
  })

  it.effect("stream, in either mode, with no log line: the issues ride on the account", () => {
    const { layer } = crmWith(onePage)
    const logger = recordingLogger()
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      checkPage(yield* collect(crm.accounts.stream()))
      checkPage(yield* collect(crm.accounts.stream({}, { onMalformed: "fail" })))
      expect(logger.lines).toEqual([])
    }).pipe(Effect.provide(Layer.merge(layer, logger.layer)))
  })

  it.effect("sync: each a Changed event, counted as changed", () => {
    const { layer } = crmWith(onePage)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const events = yield* collect(crm.accounts.sync())
      checkPage(events.flatMap((e) => (e._tag === "Changed" ? [e.account] : [])))
      expect(events.at(-1)).toMatchObject({ _tag: "Completed", changed: rows.length + 2, malformed: 0 })
    }).pipe(Effect.provide(layer))
  })

  it.effect("AccountSyncJob: each reaches onAccount, none onMalformed", () => {
    const { layer } = crmWith(onePage)
    return Effect.gen(function*() {
      const handed: Array<Account> = []
      const run = yield* AccountSyncJob.runOnce({
        onAccount: (a) => Effect.sync(() => void handed.push(a)),
        onMalformed: (record) => Effect.die(`not malformed: #${record.index}`)
      })
      checkPage(handed)
      expect(run).toMatchObject({ changed: rows.length + 2, malformed: 0 })
    }).pipe(Effect.provide(Layer.merge(layer, KeyValueStore.layerMemory)))
  })

  it.effect("the typed view (list, stream, sync): the same accounts, the same issues", () => {
    const { layer } = crmWith(onePage)
    const Fields = CustomFieldSchema.declare({ CONTRACT_VALUE_C: CustomFieldSchema.number() })
    return Effect.gen(function*() {
      const crm = yield* CustomFieldSchema.typed(Fields)
      const page = yield* crm.accounts.list()
      const streamed = yield* collect(crm.accounts.stream())
      const events = yield* collect(crm.accounts.sync())
      const synced = events.flatMap((e) => (e._tag === "Changed" ? [e.account] : []))
      for (const typed of [page.data, streamed, synced]) {
        // No declared value was sent: the typed customFields are `{}`, the rest is the untyped account.
        expect(typed.every((a) => Object.keys(a.customFields).length === 0)).toBe(true)
        checkPage(typed.map(({ customFields: _, ...rest }) => rest))
      }
      expect(page.malformed).toEqual([])
    }).pipe(Effect.provide(layer))
  })
})

describe("rtp_last_account_date sent as text", () => {
  it("is kept as the text sent, whatever its form, epoch milliseconds in text included: text is the field's type", () => {
    for (const text of [String(EPOCH), "2026-06-04T17:40:21Z", "30/04/2026"]) {
      const read = Schema.decodeUnknownSync(AccountSchema)({ ...account(1), rtp_last_account_date: text })
      expect(read.rtp_last_account_date).toBe(text)
      expect(read.issues).toBeUndefined()
    }
  })
})

describe("BulkSettle reading back an account with odd fields", () => {
  const input = { externalId: "crm-1", name: "Acme", domain: "acme.com" }
  const readBack = (name: unknown) => () =>
    envelope({
      data: [{ ...input, name, rtp_aid: "a1", rtp_account_score: "N/A" }],
      hasNextPage: false,
      syncTimestamp: "2026-05-01T00:00:00.000Z"
    })
  const handler = (name: unknown) => (request: { readonly method: string }) =>
    request.method === "POST" ? errorEnvelope(500, { message: "Internal Server Error" }) : readBack(name)()

  it.effect("whose name could not be read: Unreadable, so it stays unknown, never Applied nor sent again", () => {
    const { layer, sent } = crmWith(handler(null))
    return Effect.gen(function*() {
      const exit = yield* settle(
        BulkSettle.settleAccountPush([input], { maxRounds: 2, backoff: "10 millis" }),
        "1 second"
      )
      const result = successOf(exit)
      const outcome = result.outcomes[0]!
      expect(outcome._tag).toBe("Unknown")
      expect(outcome.history[0]).toMatchObject({ _tag: "Sent", outcome: "Unknown" })
      expect(outcome.history.slice(1)).not.toHaveLength(0)
      for (const step of outcome.history.slice(1)) {
        expect(step).toMatchObject({
          _tag: "ReadBack",
          found: "Unreadable",
          detail: "Recotap holds an account under its key whose name could not be read"
        })
      }
      expect(sent.filter((r) => r.method === "POST")).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("whose other fields are odd but name is as sent: Applied", () => {
    const { layer } = crmWith(handler("acme"))
    return Effect.gen(function*() {
      const exit = yield* settle(
        BulkSettle.settleAccountPush([input], { maxRounds: 2, backoff: "10 millis" }),
        "1 second"
      )
      expect(successOf(exit).outcomes[0]).toMatchObject({ _tag: "Applied", reconciled: true })
    }).pipe(Effect.provide(layer))
  })
})

describe("typed custom fields accept the forms the service may return", () => {
  const Fields = CustomFieldSchema.declare({
    CONTRACT_VALUE_C: CustomFieldSchema.number(),
    RENEWAL_DATE_C: CustomFieldSchema.date(),
    DEAL_SOURCE_C: CustomFieldSchema.singleSelection(["Inbound", "Outbound"])
  })
  const at = (iso: string) => DateTime.unsafeMake(iso)

  /** A declared value as sent, and what it reads as (`undefined`: left out and reported, with that note). */
  const forms: ReadonlyArray<readonly [string, unknown, unknown, string?]> = [
    ["CONTRACT_VALUE_C", 125000, 125000],
    ["CONTRACT_VALUE_C", "125000", 125000],
    ["CONTRACT_VALUE_C", " 12.5 ", 12.5],
    ["CONTRACT_VALUE_C", "-1e3", -1000],
    ["CONTRACT_VALUE_C", "lots", undefined, "Expected number | a numeric string | null, actual \"lots\"; left out"],
    ["CONTRACT_VALUE_C", "1e400", undefined, "Expected number | a numeric string | null, actual \"1e400\"; left out"],
    ["CONTRACT_VALUE_C", true, undefined, "Expected number | string | null, actual true; left out"],
    ["RENEWAL_DATE_C", EPOCH, at(EPOCH_ISO)],
    ["RENEWAL_DATE_C", String(EPOCH), at(EPOCH_ISO)],
    ["RENEWAL_DATE_C", "2026-04-30T09:00:00Z", at(EPOCH_ISO)],
    ["RENEWAL_DATE_C", "2026-04-30T11:00:00+02:00", at(EPOCH_ISO)],
    ["RENEWAL_DATE_C", "2026-04-30", at("2026-04-30T00:00:00.000Z")],
    [
      "RENEWAL_DATE_C",
      "soon",
      undefined,
      "Expected an ISO 8601 date or epoch milliseconds | null, actual \"soon\"; left out"
    ],
    [
      "RENEWAL_DATE_C",
      1_777_539_600,
      undefined,
      "Expected an ISO 8601 date or epoch milliseconds | null, actual 1777539600; left out"
    ],
    ["RENEWAL_DATE_C", false, undefined, "Expected string | number | null, actual false; left out"],
    ["DEAL_SOURCE_C", "Partner", undefined, "Expected \"Inbound\" | \"Outbound\" | null, actual \"Partner\"; left out"]
  ]

  const page = () =>
    envelope({
      data: forms.map(([key, sent], i) => ({ ...account(i), customFields: { [key]: sent, NOTES_C: "undeclared" } })),
      hasNextPage: false
    })

  it.effect("list, stream and sync: each read, or left out of its account and reported", () => {
    const { layer } = crmWith(page)
    return Effect.gen(function*() {
      const crm = yield* CustomFieldSchema.typed(Fields)
      const listed = (yield* crm.accounts.list()).data
      const streamed = yield* collect(crm.accounts.stream())
      const synced = (yield* collect(crm.accounts.sync())).flatMap((e) => (e._tag === "Changed" ? [e.account] : []))
      for (const accounts of [listed, streamed, synced]) {
        expect(accounts).toHaveLength(forms.length)
        forms.forEach(([key, sent, read, note], i) => {
          const typed = accounts[i]!
          const label = `${key} sent as ${JSON.stringify(sent)}`
          if (read === undefined) {
            expect(typed.customFields, label).toEqual({})
            expect(typed.issues, label).toStrictEqual([
              { field: `customFields.${key}`, received: JSON.stringify(sent), note }
            ])
          } else {
            expect(typed.customFields, label).toEqual({ [key]: read })
            expect(Object.keys(typed), label).not.toContain("issues")
          }
        })
      }
    }).pipe(Effect.provide(layer))
  })

  it("decodeAccount keeps the account's own issues first, and the other declared values", () => {
    const decode = CustomFieldSchema.decodeAccount(Fields)
    const read = Schema.decodeUnknownSync(AccountSchema)({
      ...account(1),
      rtp_account_score: "N/A",
      customFields: { CONTRACT_VALUE_C: "lots", RENEWAL_DATE_C: "2026-04-30", DEAL_SOURCE_C: "Inbound" }
    })
    const typed = decode(read)
    expect(typed.customFields).toEqual({ RENEWAL_DATE_C: at("2026-04-30T00:00:00.000Z"), DEAL_SOURCE_C: "Inbound" })
    expect(typed.issues?.map((issue) => issue.field)).toEqual(["rtp_account_score", "customFields.CONTRACT_VALUE_C"])
    expect(typed.rtp_account_score).toBe(0)
  })

  it.effect("writes stay strict: a number is sent as a number, a date as ISO 8601 text", () =>
    Effect.sync(() => {
      const encode = CustomFieldSchema.encodeAccountInput(Fields)
      expect(encode({
        name: "A",
        domain: "a.com",
        customFields: { CONTRACT_VALUE_C: 12.5, RENEWAL_DATE_C: at(EPOCH_ISO) }
      })).toEqual(
        Either.right({
          name: "A",
          domain: "a.com",
          customFields: { CONTRACT_VALUE_C: 12.5, RENEWAL_DATE_C: EPOCH_ISO }
        })
      )
      for (const value of ["12.5", Infinity, Number.NaN]) {
        expect(
          Either.isLeft(encode({ name: "A", domain: "a.com", customFields: { CONTRACT_VALUE_C: value } } as never)),
          String(value)
        ).toBe(true)
      }
    }))
})

describe("a record is malformed only without a usable rtp_aid or domain, or when it is not an object", () => {
  const good = { name: "Acme", domain: "acme.com", rtp_aid: "a1" }
  const unusable: ReadonlyArray<readonly [string, unknown]> = [
    ["missing", undefined],
    ["empty", ""],
    ["blank", "  \t"],
    ["null", null],
    ["a number", 42],
    ["a boolean", true],
    ["an object", { id: "a1" }],
    ["a list", ["a1"]]
  ]
  const notObjects: ReadonlyArray<unknown> = [42, "acme.com", null, true, [], [good]]

  const records: ReadonlyArray<readonly [string, unknown, string]> = [
    ...unusable.flatMap(([what, value]) =>
      (["rtp_aid", "domain"] as const).map((field) => {
        const rest = without(good, field)
        return [`${field} ${what}`, value === undefined ? rest : { ...rest, [field]: value }, field] as const
      })
    ),
    ...notObjects.map((value) => [`${JSON.stringify(value)}`, value, "Expected an account object"] as const)
  ]

  it.effect("each is malformed at its index, naming the field; a good record beside them is data", () => {
    const { layer } = crmWith(() =>
      envelope({ data: [good, ...records.map(([, raw]) => raw), good], hasNextPage: false })
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const page = yield* crm.accounts.list()
      expect(page.data.map((a) => a.rtp_aid)).toEqual(["a1", "a1"])
      expect(page.malformed.map((m) => m.index)).toEqual(records.map((_, i) => i + 1))
      records.forEach(([what, raw, named], i) => {
        const record = page.malformed[i]!
        expect(record.raw, what).toEqual(raw)
        // Only the identity is why: no other field is named.
        expect(record.error.startsWith(named === "Expected an account object" ? named : `${named}: `), what).toBe(true)
        expect(record.error.includes("; "), what).toBe(false)
      })
      expect(page.malformed[0]?.error).toBe("rtp_aid: is missing")
      expect(page.malformed[2]?.error).toBe("rtp_aid: must not be empty")
      expect(page.malformed[7]?.error).toBe("domain: Expected string, actual null")
    }).pipe(Effect.provide(layer))
  })

  it.effect("the typed view reports them alike, raw as received", () => {
    const { layer } = crmWith(() => envelope({ data: [{ ...good, domain: " " }, good], hasNextPage: false }))
    return Effect.gen(function*() {
      const crm = yield* CustomFieldSchema.typed(CustomFieldSchema.declare({}))
      const page = yield* crm.accounts.list()
      expect(page.malformed).toEqual([{ index: 0, raw: { ...good, domain: " " }, error: "domain: must not be empty" }])
      expect(page.data.map((a) => a.domain)).toEqual(["acme.com"])
    }).pipe(Effect.provide(layer))
  })
})

// ---------------------------------------------------------------------------------------------
// Properties: the reading against the record's schema
// ---------------------------------------------------------------------------------------------

const FIELDS = Object.keys(AccountRecord.fields)
const decodeAccount = Schema.decodeUnknownEither(AccountSchema)
const decodeRecord = Schema.decodeUnknownEither(AccountRecord, { errors: "all" })
const fieldDecoders = new Map(
  FIELDS.map((key) => [key, Schema.decodeUnknownEither(AccountRecord.pick(key as keyof typeof AccountRecord.fields))])
)
const identityOf = Schema.decodeUnknownEither(AccountRecord.pick("rtp_aid", "domain"))
const hasOwn = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key)
const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Any value a field may be sent as: well-formed ones, and odd ones of every kind. */
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>("N/A", "", " ", "42", " 12.5 ", "1e400", String(EPOCH), EPOCH, -EPOCH, 2 ** 60, 1.5),
  fc.integer({ min: 0, max: 120 }),
  fc.stringMatching(/^[a-z][a-z0-9.-]{0,12}$/),
  fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }).map((d) => d.toISOString())
)
const usableText = fc.stringMatching(/^\s?[a-z0-9][a-z0-9.-]{0,12}\s?$/)
const extraKey = fc.oneof(
  fc.constantFrom("rtp_new_metric", "issues", "extra", "__proto__"),
  fc.string({ maxLength: 6 })
)

/** A record with a usable identity, any other known fields (or none), and maybe unknown ones. */
const identified = fc.tuple(
  fc.record({ rtp_aid: usableText, domain: usableText }),
  fc.dictionary(fc.constantFrom(...FIELDS.filter((f) => f !== "rtp_aid" && f !== "domain")), anyValue),
  fc.dictionary(extraKey, anyValue, { maxKeys: 3 })
).map(([identity, known, extra]) => {
  // As JSON.parse builds it: every key an own property, `__proto__` included.
  const record: Record<string, unknown> = JSON.parse(JSON.stringify({ ...extra, ...known, ...identity }))
  return record
})

/** Anything at all, records with odd identities included. */
const anything = fc.oneof(
  identified,
  identified.chain((record) =>
    fc.tuple(fc.constantFrom("rtp_aid", "domain"), fc.option(anyValue, { nil: undefined })).map(([key, value]) =>
      value === undefined ? without(record, key) : { ...record, [key]: value }
    )
  ),
  fc.jsonValue({ maxDepth: 2 })
)

describe("properties", () => {
  it("a record with a usable rtp_aid and domain is never malformed, whatever its other fields", () => {
    fc.assert(
      fc.property(identified, (raw) => {
        const read = decodeAccount(raw)
        expect(Either.isRight(read)).toBe(true)
      }),
      { numRuns: 3000 }
    )
  })

  it("malformed exactly when not an object, or the record schema's rtp_aid or domain refuses it", () => {
    fc.assert(
      fc.property(anything, (raw) => {
        const unreadable = !isObject(raw) || Either.isLeft(identityOf(raw))
        expect(Either.isLeft(decodeAccount(raw))).toBe(unreadable)
      }),
      { numRuns: 3000 }
    )
  })

  it("field by field: what the record schema reads, or a fallback with exactly one issue naming the field", () => {
    fc.assert(
      fc.property(identified, (raw) => {
        const account: Readonly<Record<string, unknown>> = Either.getOrThrow(decodeAccount(raw))
        const issues = (account["issues"] ?? []) as ReadonlyArray<AccountIssue>
        for (const key of FIELDS) {
          const alone = fieldDecoders.get(key)!(hasOwn(raw, key) ? { [key]: raw[key] } : {})
          const reported = issues.filter((issue) => issue.field === key)
          if (Either.isRight(alone)) {
            expect(reported).toEqual([])
            const read: Readonly<Record<string, unknown>> = alone.right
            expect(hasOwn(account, key)).toBe(hasOwn(read, key))
            expect(account[key]).toStrictEqual(read[key])
          } else {
            expect(reported).toHaveLength(1)
            // The value as received, as JSON text (its first 500 characters); none for a missing one.
            const text = hasOwn(raw, key) ? JSON.stringify(raw[key]) : undefined
            if (text === undefined) expect(hasOwn(reported[0]!, "received")).toBe(false)
            else expect(reported[0]!.received?.startsWith(text.slice(0, 500))).toBe(true)
          }
        }
        // Unknown fields: kept in `extra` as received (a `__proto__` one reported instead).
        const unknown = Object.keys(raw).filter((key) => !FIELDS.includes(key))
        const kept = unknown.filter((key) => key !== "__proto__")
        if (kept.length === 0) expect(hasOwn(account, "extra")).toBe(false)
        else expect(account["extra"]).toStrictEqual(Object.fromEntries(kept.map((key) => [key, raw[key]])))
        expect(issues.filter((issue) => issue.field === "__proto__")).toHaveLength(
          unknown.includes("__proto__") ? 1 : 0
        )
        // No `issues` key at all when there is nothing to report.
        expect(hasOwn(account, "issues")).toBe(issues.length > 0)
      }),
      { numRuns: 3000 }
    )
  })

  it("a clean record reads exactly as the record schema reads it, with no issues", () => {
    fc.assert(
      fc.property(identified, (raw) => {
        const clean = decodeRecord(raw)
        if (Either.isLeft(clean)) return
        const { extra: _, issues, ...known } = Either.getOrThrow(decodeAccount(raw))
        expect(known).toStrictEqual(clean.right)
        // The only issue a clean record can have: a `__proto__` key, which cannot be kept in `extra`.
        expect(issues?.map((issue) => issue.field)).toEqual(hasOwn(raw, "__proto__") ? ["__proto__"] : undefined)
      }),
      { numRuns: 3000 }
    )
  })

  it("a page encodes back: its clean records as sent, every account as read, malformed ones in place", () => {
    fc.assert(
      fc.property(fc.array(anything, { maxLength: 6 }), (items) => {
        const page = Schema.decodeUnknownSync(Accounts)({ data: items, hasNextPage: false })
        const encoded = Schema.encodeSync(Accounts)(page)
        expect(encoded.data).toHaveLength(items.length)
        const again = Schema.decodeUnknownSync(Accounts)(encoded)
        // Read again, each account is what was read the first time, but for the issues (a field
        // left out because it was odd reads again as missing, its issue then says so).
        expect(again.data.map(({ issues: _, ...rest }) => rest)).toStrictEqual(
          page.data.map(({ issues: _, ...rest }) => rest)
        )
        expect(again.malformed).toStrictEqual(page.malformed)
        page.data.forEach((account, i) => {
          if (account.issues === undefined) expect(again.data[i]).toStrictEqual(account)
        })
      }),
      { numRuns: 1000 }
    )
  })
})
