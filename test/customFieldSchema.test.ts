/** Typed custom fields against the simulator: ensure, typed reads (list, stream, sync), typed writes, type tests. */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as CustomFieldSchema from "../src/CustomFieldSchema.js"
import type { BadRequest, InvalidApiKey, MissingApiKey, NotFound, TransportError } from "../src/index.js"
import { RecotapCrm } from "../src/index.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"

const LIST = "GET /accounts/custom-fields"
const CREATE = "POST /accounts/custom-field"

const Fields = CustomFieldSchema.declare({
  CONTRACT_VALUE_C: CustomFieldSchema.number({ label: "Contract Value", description: "ARR in USD" }),
  DEAL_SOURCE_C: CustomFieldSchema.singleSelection(["Inbound", "Outbound"]),
  REGIONS_C: CustomFieldSchema.multiSelection(["EMEA", "AMER", "APAC"]),
  RENEWAL_DATE_C: CustomFieldSchema.date(),
  NOTES_C: CustomFieldSchema.multiLineText()
})

const seedFields = (sim: RecotapSimulator["Type"]) =>
  sim.seedCustomFields([
    { label: "Contract Value", labelType: "number" },
    { label: "Deal Source", labelType: "singleSelection", options: ["Outbound", "Inbound"] },
    { label: "Regions", labelType: "multiSelection", options: ["EMEA", "AMER", "APAC"] },
    { label: "Renewal Date", labelType: "date" },
    { label: "Notes", labelType: "multiLineText" }
  ])

describe("declare", () => {
  it("derives a label from a key, and checks a given label against it", () => {
    expect(Fields.definitions.map((d) => [d.key, d.label, d.labelType, d.options])).toEqual([
      ["CONTRACT_VALUE_C", "Contract Value", "number", []],
      ["DEAL_SOURCE_C", "Deal Source", "singleSelection", ["Inbound", "Outbound"]],
      ["REGIONS_C", "Regions", "multiSelection", ["EMEA", "AMER", "APAC"]],
      ["RENEWAL_DATE_C", "Renewal Date", "date", []],
      ["NOTES_C", "Notes", "multiLineText", []]
    ])
    expect(() => CustomFieldSchema.declare({ ACV_C: CustomFieldSchema.number({ label: "Contract Value" }) }))
      .toThrow("derives the key CONTRACT_VALUE_C, not ACV_C")
    expect(() => CustomFieldSchema.declare({ acv: CustomFieldSchema.number() })).toThrow("not acv")
    expect(() => CustomFieldSchema.singleSelection([] as unknown as ["a"])).toThrow("at least one option")
  })

  it("declareByLabel derives each key as Recotap does, in the types too", () => {
    const ByLabel = CustomFieldSchema.declareByLabel({
      "Revenue (USD)": CustomFieldSchema.number(),
      "Deal Source": CustomFieldSchema.singleSelection(["Inbound", "Outbound"])
    })
    expect(ByLabel.definitions.map((d) => [d.key, d.label])).toEqual([
      ["REVENUE_(USD)_C", "Revenue (USD)"],
      ["DEAL_SOURCE_C", "Deal Source"]
    ])
    expectTypeOf<keyof typeof ByLabel.fields>().toEqualTypeOf<"REVENUE_(USD)_C" | "DEAL_SOURCE_C">()
    expectTypeOf<CustomFieldSchema.KeyOf<"Contract Value">>().toEqualTypeOf<"CONTRACT_VALUE_C">()
    expect(() =>
      CustomFieldSchema.declareByLabel({
        "Contract Value": CustomFieldSchema.number(),
        "contract value": CustomFieldSchema.text()
      })
    ).toThrow("two fields have the key CONTRACT_VALUE_C")
  })
})

describe("customFields.ensure", () => {
  it.effect("creates the missing fields with their labelType and options; a second run sends no create", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedCustomFields([{ label: "Contract Value", labelType: "number" }])
      const crm = yield* RecotapCrm
      const first = yield* crm.customFields.ensure(Fields)
      expect(first.existing.map((f) => f.key)).toEqual(["CONTRACT_VALUE_C"])
      expect(first.created.map((f) => [f.key, f.labelType, f.options])).toEqual([
        ["DEAL_SOURCE_C", "singleSelection", ["Inbound", "Outbound"]],
        ["REGIONS_C", "multiSelection", ["EMEA", "AMER", "APAC"]],
        ["RENEWAL_DATE_C", "date", []],
        ["NOTES_C", "multiLineText", []]
      ])
      expect(sim.requests.filter((r) => r.route === CREATE).map((r) => r.body)).toEqual([
        { label: "Deal Source", labelType: "singleSelection", options: ["Inbound", "Outbound"] },
        { label: "Regions", labelType: "multiSelection", options: ["EMEA", "AMER", "APAC"] },
        { label: "Renewal Date", labelType: "date" },
        { label: "Notes", labelType: "multiLineText" }
      ])
      const before = sim.requests.length
      const second = yield* crm.customFields.ensure(Fields)
      expect(second.created).toEqual([])
      expect(second.existing.map((f) => f.key)).toEqual(Fields.definitions.map((d) => d.key))
      expect(sim.requests.slice(before).map((r) => r.route)).toEqual([LIST])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("accepts existing fields of the same type, selection options in any order", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seedFields(sim)
      const crm = yield* RecotapCrm
      const result = yield* crm.customFields.ensure(Fields)
      expect(result.created).toEqual([])
      expect(sim.requests.map((r) => r.route)).toEqual([LIST])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("fails naming each field whose existing definition differs, and creates nothing", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedCustomFields([
        { label: "Contract Value", labelType: "singleLineText" },
        { label: "Deal Source", labelType: "singleSelection", options: ["Inbound", "Partner"] },
        { label: "Notes", labelType: "multiLineText" }
      ])
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.customFields.ensure(Fields))
      expect(error._tag).toBe("CustomFieldMismatch")
      if (error._tag !== "CustomFieldMismatch") throw new Error("unreachable")
      expect(error).toBeInstanceOf(CustomFieldSchema.CustomFieldMismatch)
      expect(error.fields).toEqual([
        {
          key: "CONTRACT_VALUE_C",
          declared: { labelType: "number", options: [] },
          existing: { labelType: "singleLineText", options: [] },
          reason: "exists as singleLineText, declared number"
        },
        {
          key: "DEAL_SOURCE_C",
          declared: { labelType: "singleSelection", options: ["Inbound", "Outbound"] },
          existing: { labelType: "singleSelection", options: ["Inbound", "Partner"] },
          reason: "has options [\"Inbound\",\"Partner\"], declared [\"Inbound\",\"Outbound\"]"
        }
      ])
      expect(error.message).toContain("CONTRACT_VALUE_C exists as singleLineText, declared number")
      expect(sim.requests.map((r) => r.route)).toEqual([LIST])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("a create refused as a duplicate (409) is checked against a fresh list", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script(CREATE, Fault.status(409))
      const crm = yield* RecotapCrm
      const One = CustomFieldSchema.declare({ CONTRACT_VALUE_C: CustomFieldSchema.number() })
      const error = yield* Effect.flip(crm.customFields.ensure(One))
      expect(error).toMatchObject({
        _tag: "CustomFieldMismatch",
        fields: [{ key: "CONTRACT_VALUE_C", reason: "was refused as a duplicate (409), yet is not listed as active" }]
      })
      expect(sim.requests.map((r) => r.route)).toEqual([LIST, CREATE, LIST])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("fails only with the read errors, BadRequest and CustomFieldMismatch (checked by tsc)", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expectTypeOf(crm.customFields.ensure(Fields)).toEqualTypeOf<
        Effect.Effect<
          CustomFieldSchema.EnsuredCustomFields,
          MissingApiKey | InvalidApiKey | TransportError | BadRequest | CustomFieldSchema.CustomFieldMismatch
        >
      >()
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})

/** Accounts seeded with custom values as Recotap stores them: the third and fourth ones' values do not decode. */
const seedAccounts = (sim: RecotapSimulator["Type"]) => {
  seedFields(sim)
  sim.seedAccounts([
    {
      name: "Acme",
      domain: "acme.com",
      externalId: "crm-1",
      customFields: {
        CONTRACT_VALUE_C: 125000,
        DEAL_SOURCE_C: "Inbound",
        REGIONS_C: ["EMEA", "APAC"],
        RENEWAL_DATE_C: "2026-09-30T00:00:00.000Z",
        NOTES_C: null,
        LEGACY_C: "kept out"
      }
    },
    { name: "Globex", domain: "globex.com", externalId: "crm-2", customFields: { RENEWAL_DATE_C: "2027-01-15" } },
    {
      name: "Initech",
      domain: "initech.com",
      externalId: "crm-3",
      customFields: { CONTRACT_VALUE_C: "a lot", NOTES_C: "kept" }
    },
    { name: "Umbrella", domain: "umbrella.com", externalId: "crm-4", customFields: { DEAL_SOURCE_C: "Partner" } },
    { name: "Hooli", domain: "hooli.com", externalId: "crm-5" }
  ])
}

const ALL = ["acme.com", "globex.com", "initech.com", "umbrella.com", "hooli.com"]

/** What the third and fourth accounts report. */
const initechIssue = {
  field: "customFields.CONTRACT_VALUE_C",
  received: "\"a lot\"",
  note: "Expected number | a numeric string | null, actual \"a lot\"; left out"
}
const umbrellaIssue = {
  field: "customFields.DEAL_SOURCE_C",
  received: "\"Partner\"",
  note: "Expected \"Inbound\" | \"Outbound\" | null, actual \"Partner\"; left out"
}

describe("typed reads", () => {
  it.effect("list decodes declared values (numbers, selections, dates); a bad value is left out of its account and reported", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seedAccounts(sim)
      const crm = yield* CustomFieldSchema.typed(Fields)
      const page = yield* crm.accounts.list()
      expect(page.data.map((a) => a.domain)).toEqual(ALL)
      const [acme, globex, initech, umbrella, hooli] = page.data
      expect(acme?.customFields).toEqual({
        CONTRACT_VALUE_C: 125000,
        DEAL_SOURCE_C: "Inbound",
        REGIONS_C: ["EMEA", "APAC"],
        RENEWAL_DATE_C: DateTime.unsafeMake("2026-09-30T00:00:00.000Z")
      })
      expect(acme).not.toHaveProperty("issues")
      expect(globex?.customFields.RENEWAL_DATE_C).toEqual(DateTime.unsafeMake("2027-01-15T00:00:00.000Z"))
      expect(initech?.customFields).toEqual({ NOTES_C: "kept" })
      expect(initech?.issues).toEqual([initechIssue])
      expect(umbrella?.customFields).toEqual({})
      expect(umbrella?.issues).toEqual([umbrellaIssue])
      expect(hooli?.customFields).toEqual({})
      expect(page.malformed).toEqual([])
      expectTypeOf(acme!.customFields.CONTRACT_VALUE_C).toEqualTypeOf<number | undefined>()
      expectTypeOf(acme!.customFields.DEAL_SOURCE_C).toEqualTypeOf<"Inbound" | "Outbound" | undefined>()
      expectTypeOf(acme!.customFields.RENEWAL_DATE_C).toEqualTypeOf<DateTime.Utc | undefined>()
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("stream delivers every account, a bad value left out and reported, even with onMalformed: \"fail\"", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seedAccounts(sim)
      const crm = yield* CustomFieldSchema.typed(Fields)
      for (const options of [{}, { onMalformed: "fail" as const }]) {
        const all = Chunk.toReadonlyArray(yield* Stream.runCollect(crm.accounts.stream({ limit: 2 }, options)))
        expect(all.map((a) => a.domain)).toEqual(ALL)
        expect(all.map((a) => a.issues)).toEqual([undefined, undefined, [initechIssue], [umbrellaIssue], undefined])
      }
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("sync emits every account as a typed Changed event in page order, then Completed with the counts", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seedAccounts(sim)
      const crm = yield* CustomFieldSchema.typed(Fields)
      const events = Chunk.toReadonlyArray(yield* Stream.runCollect(crm.accounts.sync({ limit: 2 })))
      expect(
        events.map((e) =>
          e._tag === "Changed" ? e.account.domain : e._tag === "Malformed" ? `!${e.record.index}` : e._tag
        )
      ).toEqual([...ALL, "Completed"])
      expect(events[2]).toMatchObject({ _tag: "Changed", account: { issues: [initechIssue] } })
      expect(events.at(-1)).toMatchObject({ _tag: "Completed", changed: 5, malformed: 0 })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})

describe("typed writes", () => {
  it.effect("push encodes typed values and sends them; a wrong value from an untyped caller is Invalid, not sent", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seedFields(sim)
      const crm = yield* CustomFieldSchema.typed(Fields)
      const wrong = {
        externalId: "crm-2",
        name: "Globex",
        domain: "globex.com",
        customFields: { CONTRACT_VALUE_C: "1k" }
      }
      const undeclared = { externalId: "crm-3", name: "Initech", domain: "initech.com", customFields: { FOO_C: 1 } }
      const result = yield* crm.accounts.push([
        {
          externalId: "crm-1",
          name: "Acme",
          domain: "acme.com",
          customFields: {
            CONTRACT_VALUE_C: 125000,
            DEAL_SOURCE_C: "Outbound",
            RENEWAL_DATE_C: DateTime.unsafeMake("2026-09-30T00:00:00Z"),
            NOTES_C: null
          }
        },
        wrong as never,
        undeclared as never,
        { externalId: "crm-4", name: "Hooli", domain: "hooli.com" }
      ])
      expect(result.outcomes.map((o) => [o._tag, o.index])).toEqual([
        ["Applied", 0],
        ["Invalid", 1],
        ["Invalid", 2],
        ["Applied", 3]
      ])
      expect(result.outcomes[1]).toMatchObject({
        input: wrong,
        error: "customFields.CONTRACT_VALUE_C: Expected number | null, actual \"1k\""
      })
      expect(result.outcomes[2]).toMatchObject({ input: undeclared })
      expect(result.outcomes[2]?._tag === "Invalid" && result.outcomes[2].error).toContain("FOO_C")
      expect(result.summary).toMatchObject({ total: 4, applied: 2, invalid: 2 })
      const sent = sim.requests.filter((r) => r.route === "POST /accounts").map((r) => r.body)
      expect(sent).toEqual([{
        accounts: [
          {
            externalId: "crm-1",
            name: "Acme",
            domain: "acme.com",
            customFields: {
              CONTRACT_VALUE_C: 125000,
              DEAL_SOURCE_C: "Outbound",
              RENEWAL_DATE_C: "2026-09-30T00:00:00.000Z",
              NOTES_C: null
            }
          },
          { externalId: "crm-4", name: "Hooli", domain: "hooli.com" }
        ]
      }])
      // Read back, typed.
      const page = yield* crm.accounts.list()
      expect(page.data[0]?.customFields.RENEWAL_DATE_C).toEqual(DateTime.unsafeMake("2026-09-30T00:00:00Z"))
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("push of only invalid accounts sends nothing", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* CustomFieldSchema.typed(Fields)
      const result = yield* crm.accounts.push([
        { externalId: "x", name: "X", domain: "x.com", customFields: { REGIONS_C: ["Mars"] } } as never
      ])
      expect(result.summary).toMatchObject({ total: 1, invalid: 1 })
      expect(sim.requests).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("update encodes and sends typed values; a wrong one is a client BadRequest, nothing sent", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      seedFields(sim)
      sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
      const crm = yield* CustomFieldSchema.typed(Fields)
      yield* crm.accounts.update({ externalId: "crm-1" }, {
        customFields: { REGIONS_C: ["AMER"], RENEWAL_DATE_C: DateTime.unsafeMake("2027-01-01T00:00:00Z") }
      })
      expect(sim.requests.map((r) => [r.route, r.body])).toEqual([
        ["PUT /accounts/:id", { customFields: { REGIONS_C: ["AMER"], RENEWAL_DATE_C: "2027-01-01T00:00:00.000Z" } }]
      ])
      const before = sim.requests.length
      const error = yield* Effect.flip(
        crm.accounts.update({ externalId: "crm-1" }, { customFields: { DEAL_SOURCE_C: "Partner" } } as never)
      )
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "client", method: "PUT" })
      if (error._tag !== "BadRequest") throw new Error("unreachable")
      expect(error.violations[0]?.property).toBe("customFields.DEAL_SOURCE_C")
      expect(sim.requests.length).toBe(before)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it("encodeAccountInput and decodeAccount serve the untyped API (BulkSettle, AccountSyncJob)", () => {
    const encode = CustomFieldSchema.encodeAccountInput(Fields)
    expect(encode({ name: "A", domain: "a.com", customFields: { CONTRACT_VALUE_C: 1 } })).toEqual(
      Either.right({ name: "A", domain: "a.com", customFields: { CONTRACT_VALUE_C: 1 } })
    )
    expect(Either.isLeft(encode({ name: "A", domain: "a.com", customFields: { CONTRACT_VALUE_C: "1" } } as never)))
      .toBe(true)
    const Int = CustomFieldSchema.declare({ SEATS_C: CustomFieldSchema.field("number", Schema.Int) })
    expect(
      Either.isLeft(
        CustomFieldSchema.encodeAccountInput(Int)({ name: "A", domain: "a.com", customFields: { SEATS_C: 1.5 } })
      )
    )
      .toBe(true)
  })
})

describe("type tests", () => {
  it("a wrongly typed custom field value does not compile, in push and in update", () => {
    const program = Effect.gen(function*() {
      const crm = yield* CustomFieldSchema.typed(Fields)
      // @ts-expect-error CONTRACT_VALUE_C is a number
      yield* crm.accounts.push([{ name: "Acme", domain: "acme.com", customFields: { CONTRACT_VALUE_C: "125000" } }])
      // @ts-expect-error "Partner" is not an option of DEAL_SOURCE_C
      yield* crm.accounts.push([{ name: "Acme", domain: "acme.com", customFields: { DEAL_SOURCE_C: "Partner" } }])
      // @ts-expect-error FOO_C is not declared
      yield* crm.accounts.push([{ name: "Acme", domain: "acme.com", customFields: { FOO_C: 1 } }])
      // @ts-expect-error RENEWAL_DATE_C is a DateTime.Utc, not text
      yield* crm.accounts.update({ externalId: "crm-1" }, { customFields: { RENEWAL_DATE_C: "2026-09-30" } })
      // @ts-expect-error REGIONS_C is a list of its options
      yield* crm.accounts.update({ externalId: "crm-1" }, { customFields: { REGIONS_C: "EMEA" } })
      // Right ones compile.
      yield* crm.accounts.update({ externalId: "crm-1" }, { customFields: { REGIONS_C: ["EMEA"], NOTES_C: null } })
    })
    expectTypeOf(program).toEqualTypeOf<
      Effect.Effect<void, MissingApiKey | InvalidApiKey | TransportError | BadRequest | NotFound, RecotapCrm>
    >()
  })
})
