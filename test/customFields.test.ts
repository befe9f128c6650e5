/** Custom fields against the simulator: the active definitions, creation with the derived key, and every refusal. */
import { describe, expect, expectTypeOf, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import {
  type BadRequest,
  type Conflict,
  type CustomField,
  type CustomFieldInput,
  customFieldKey,
  type InvalidApiKey,
  type MissingApiKey,
  RecotapCrm,
  type TransportError
} from "../src/index.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"
import { settle, singleAttempt } from "./helpers.js"

const LIST = "GET /accounts/custom-fields"
const CREATE = "POST /accounts/custom-field"

/** A field as the API returns it, with the defaults of a field created without description or options. */
const field = (label: string, key: string, rest: Partial<CustomField> = {}): CustomField => ({
  key,
  label,
  labelType: "number",
  description: null,
  options: [],
  objectType: "accounts",
  status: "active",
  ...rest
})

describe("customFields.list", () => {
  it.effect("returns the active fields only, as Recotap describes them", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedCustomFields([
        { label: "Contract Value", labelType: "number", description: "ARR in USD" },
        { label: "Legacy Score", labelType: "number", status: "inactive" },
        { label: "Tier", labelType: "singleSelection", options: ["Gold", "Silver"] },
        { label: "Renewal Date", labelType: "date" }
      ])
      const crm = yield* RecotapCrm
      expect(yield* crm.customFields.list()).toEqual([
        field("Contract Value", "CONTRACT_VALUE_C", { description: "ARR in USD" }),
        field("Tier", "TIER_C", { labelType: "singleSelection", options: ["Gold", "Silver"] }),
        field("Renewal Date", "RENEWAL_DATE_C", { labelType: "date" })
      ])
      expect(sim.requests.map((r) => r.route)).toEqual([LIST])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("is empty for a workspace without custom fields", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      expect(yield* crm.customFields.list()).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})

describe("customFields.create", () => {
  it.effect("returns the created field, with the key derived from the label, and stores it", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const created = yield* crm.customFields.create({
        label: "Revenue (USD)",
        labelType: "number",
        description: "Booked revenue"
      })
      expect(created).toEqual(field("Revenue (USD)", "REVENUE_(USD)_C", { description: "Booked revenue" }))
      expect(customFieldKey("Revenue (USD)")).toBe("REVENUE_(USD)_C")
      expect(sim.customFields()).toEqual([created])
      expect(sim.requests.map((r) => [r.route, r.body])).toEqual([
        [CREATE, { label: "Revenue (USD)", labelType: "number", description: "Booked revenue" }]
      ])
      expect(yield* crm.customFields.list()).toEqual([created])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("derives keys as documented: only spaces change, everything is upper-cased, _C appended", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const table = [
        ["Contract Value", "CONTRACT_VALUE_C"],
        ["Net-Revenue", "NET-REVENUE_C"],
        ["Revenue (USD)", "REVENUE_(USD)_C"],
        ["is partner", "IS_PARTNER_C"]
      ] as const
      for (const [label, key] of table) {
        expect(customFieldKey(label)).toBe(key)
        expect((yield* crm.customFields.create({ label, labelType: "singleLineText" })).key).toBe(key)
      }
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("keeps the options of a selection field", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const created = yield* crm.customFields.create({
        label: "Regions",
        labelType: "multiSelection",
        options: ["EMEA", "AMER", "APAC"]
      })
      expect(created).toEqual(
        field("Regions", "REGIONS_C", { labelType: "multiSelection", options: ["EMEA", "AMER", "APAC"] })
      )
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("an active field with the same key is a Conflict that names the key; nothing changes", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedCustomFields([{ label: "Contract Value", labelType: "number" }])
      const crm = yield* RecotapCrm
      // Another label, the same derived key.
      const error = yield* Effect.flip(
        crm.customFields.create({ label: "contract value", labelType: "singleLineText" })
      )
      expect(error._tag).toBe("Conflict")
      expect(error.message).toContain("CONTRACT_VALUE_C")
      expect(sim.customFields()).toEqual([field("Contract Value", "CONTRACT_VALUE_C")])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("the key of an inactive field can be used again", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.seedCustomFields([{ label: "Legacy Score", labelType: "number", status: "inactive" }])
      const crm = yield* RecotapCrm
      const created = yield* crm.customFields.create({ label: "Legacy Score", labelType: "date" })
      expect(created).toEqual(field("Legacy Score", "LEGACY_SCORE_C", { labelType: "date" }))
      expect(yield* crm.customFields.list()).toEqual([created])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  const invalidInputs: ReadonlyArray<readonly [string, unknown, string, string]> = [
    [
      "a single selection without options",
      { label: "Tier", labelType: "singleSelection" },
      "options",
      "a singleSelection field needs at least one option"
    ],
    [
      "a multi selection with no option",
      { label: "Tags", labelType: "multiSelection", options: [] },
      "options",
      "a multiSelection field needs at least one option"
    ],
    [
      "options on a number field",
      { label: "Score", labelType: "number", options: ["1"] },
      "options",
      "options are only for selection fields, not number"
    ],
    [
      "a blank option",
      { label: "Tier", labelType: "singleSelection", options: ["Gold", " "] },
      "options.1",
      "must not be empty"
    ],
    ["a blank label", { label: "   ", labelType: "singleLineText" }, "label", "must not be empty"],
    ["an unknown label type", { label: "Flag", labelType: "checkbox" }, "labelType", "checkbox"],
    ["an unknown property", { label: "Flag", labelType: "number", colour: "red" }, "colour", "is unexpected"]
  ]

  for (const [name, input, property, message] of invalidInputs) {
    it.effect(`${name} is a client-side BadRequest, and nothing is sent`, () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        const crm = yield* RecotapCrm
        const error = yield* Effect.flip(crm.customFields.create(input as CustomFieldInput))
        expect(error).toMatchObject({ _tag: "BadRequest", origin: "client", method: "POST" })
        if (error._tag !== "BadRequest") throw new Error("unreachable")
        // The first violation is the one that matters (a union can add noise after it).
        const [first] = error.violations
        expect(first?.property).toBe(property)
        expect(Object.values(first?.constraints ?? {}).join(" ")).toContain(message)
        expect(error.message).toContain(message)
        expect(sim.requests).toEqual([])
        expect(sim.customFields()).toEqual([])
      }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
  }

  it.effect("a 400 from Recotap is a BadRequest from the server", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script(CREATE, Fault.status(400))
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.customFields.create({ label: "Score", labelType: "number" }))
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "server", violations: [] })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))

  it.effect("a revoked key is InvalidApiKey, a 5xx a TransportError", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      sim.faults.script(CREATE, Fault.status(503))
      expect(yield* Effect.flip(crm.customFields.create({ label: "Score", labelType: "number" }))).toMatchObject({
        _tag: "TransportError",
        reason: "StatusCode",
        status: 503
      })
      sim.revokeKey("sim-key")
      expect(yield* Effect.flip(crm.customFields.create({ label: "Score", labelType: "number" }))).toMatchObject({
        _tag: "InvalidApiKey",
        reason: "RejectedByServer"
      })
      expect(yield* Effect.flip(crm.customFields.list())).toMatchObject({ _tag: "InvalidApiKey" })
      expect(sim.customFields()).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: singleAttempt }))))

  it.effect("a create whose answer is lost (a 500) is not sent again; one refused unprocessed (a 503) is", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      const creates = () => sim.requests.filter((r) => r.route === CREATE).length
      sim.faults.script(CREATE, Fault.status(500))
      expect(yield* Effect.flip(crm.customFields.create({ label: "Score", labelType: "number" }))).toMatchObject({
        _tag: "TransportError",
        status: 500
      })
      expect(creates()).toBe(1)
      sim.faults.script(CREATE, Fault.status(503))
      const retried = yield* settle(crm.customFields.create({ label: "Tier", labelType: "number" }), "1 second")
      expect(retried).toMatchObject({ _tag: "Success", value: { key: "TIER_C" } })
      expect(creates()).toBe(3)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config: { retry: { maxRetries: 2 } } }))))

  it.effect("fails only with what a write can answer (checked by tsc)", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const create: Effect.Effect<
        CustomField,
        MissingApiKey | InvalidApiKey | TransportError | BadRequest | Conflict
      > = crm.customFields.create({ label: "Score", labelType: "number" })
      expectTypeOf(create).toEqualTypeOf<
        Effect.Effect<CustomField, MissingApiKey | InvalidApiKey | TransportError | BadRequest | Conflict>
      >()
      expectTypeOf(crm.customFields.list()).toEqualTypeOf<
        Effect.Effect<ReadonlyArray<CustomField>, MissingApiKey | InvalidApiKey | TransportError>
      >()
      expect((yield* create).key).toBe("SCORE_C")
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})
