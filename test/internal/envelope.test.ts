import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { decodePayload, MAX_SERVER_TEXT, readErrorBody } from "../../src/internal/envelope.js"

const stages = decodePayload(Schema.Array(Schema.String))
const names = ["Unaware", "Aware", "Consideration", "Opportunity", "Customer"]

describe("decodePayload", () => {
  it.effect("unwraps the documented envelope", () =>
    Effect.gen(function*() {
      const body = {
        statusCode: 200,
        timestamp: "2026-04-30T10:00:00.000Z",
        path: "/api/v1/crm/journey-stages",
        data: names
      }
      expect(yield* stages(body)).toEqual(names)
    }))

  it.effect("accepts a bare array", () =>
    Effect.gen(function*() {
      expect(yield* stages(names)).toEqual(names)
    }))

  it.effect("accepts { data: [...] } without the other envelope fields", () =>
    Effect.gen(function*() {
      expect(yield* stages({ data: names })).toEqual(names)
    }))

  it.effect("fails on anything else", () =>
    Effect.gen(function*() {
      yield* Effect.flip(stages({ data: { not: "an array" } }))
      yield* Effect.flip(stages("Unaware"))
    }))
})

describe("readErrorBody", () => {
  it("reads a validation error: violations, no customMessage", () => {
    const details = readErrorBody({
      statusCode: 400,
      message: "Bad Request",
      data: [{ property: "domain", constraints: { isNotEmpty: "domain should not be empty" }, children: [] }]
    })
    expect(Option.getOrThrow(details)).toEqual({
      serverMessage: "Bad Request",
      customMessage: undefined,
      violations: [{ property: "domain", constraints: { isNotEmpty: "domain should not be empty" } }]
    })
  })

  it("reads a business error and a flat live error without data", () => {
    expect(
      Option.getOrThrow(
        readErrorBody({ message: "Bad Request", customMessage: "Segment 'abc' is not active", data: null })
      )
    )
      .toMatchObject({ customMessage: "Segment 'abc' is not active", violations: [] })
    expect(Option.getOrThrow(readErrorBody({ message: "Unauthorized access", statusCode: 401 })))
      .toMatchObject({ serverMessage: "Unauthorized access", violations: [] })
  })

  it("joins a message list and truncates long server text", () => {
    expect(Option.getOrThrow(readErrorBody({ message: ["a must be set", "b must be set"] })).serverMessage)
      .toBe("a must be set; b must be set")
    const long = Option.getOrThrow(readErrorBody({ message: "x".repeat(10_000) })).serverMessage
    expect(long.length).toBeLessThan(MAX_SERVER_TEXT + 40)
  })

  it("is None for bodies that are not error objects", () => {
    expect(Option.isNone(readErrorBody("<html>"))).toBe(true)
    expect(Option.isNone(readErrorBody([1, 2]))).toBe(true)
  })
})
