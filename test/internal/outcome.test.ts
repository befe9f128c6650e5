import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { AccountPushResult } from "../../src/Account.js"
import type { BulkOutcome } from "../../src/Bulk.js"
import { endpointWithPath } from "../../src/internal/endpoint.js"
import { Applied, Invalid, ItemStatus, Rejected, relocate, Unavailable, Unknown } from "../../src/internal/outcome.js"
import { TransportError } from "../../src/RecotapError.js"

const error = TransportError.decode("POST", "https://x.invalid/accounts", "no result")

describe("outcome constructors", () => {
  it("build exactly the outcome, its tag and fields, nothing else", () => {
    const extra = { index: 1, input: "a", error, more: true }
    expect(Unknown(extra)).toStrictEqual({ _tag: "Unknown", index: 1, input: "a", error })
    expect(Unavailable(extra)).toStrictEqual({ _tag: "Unavailable", index: 1, input: "a", error })
    expect(Invalid({ index: 2, input: 3, error: "bad" })).toStrictEqual({
      _tag: "Invalid",
      index: 2,
      input: 3,
      error: "bad"
    })
    expect(Rejected({ index: 0, input: "a", status: "skipped", error: "no" })).toStrictEqual({
      _tag: "Rejected",
      index: 0,
      input: "a",
      status: "skipped",
      error: "no"
    })
    expect(Applied({ index: 0, input: "a", status: "created", result: { id: 1 } })).toStrictEqual({
      _tag: "Applied",
      index: 0,
      input: "a",
      status: "created",
      result: { id: 1 }
    })
  })

  it("relocate moves every kind of outcome to another place and input, keeping the rest", () => {
    const outcomes: ReadonlyArray<BulkOutcome<string, number>> = [
      Applied({ index: 0, input: "a", status: "updated", result: 7 }),
      Rejected({ index: 1, input: "b", status: "failed", error: "no" }),
      Invalid({ index: 2, input: "c", error: "bad" }),
      Unavailable({ index: 3, input: "d", error }),
      Unknown({ index: 4, input: "e", error })
    ]
    expect(outcomes.map((outcome, i) => relocate(outcome, i + 10, { typed: i }))).toStrictEqual([
      { _tag: "Applied", index: 10, input: { typed: 0 }, status: "updated", result: 7 },
      { _tag: "Rejected", index: 11, input: { typed: 1 }, status: "failed", error: "no" },
      { _tag: "Invalid", index: 12, input: { typed: 2 }, error: "bad" },
      { _tag: "Unavailable", index: 13, input: { typed: 3 }, error },
      { _tag: "Unknown", index: 14, input: { typed: 4 }, error }
    ])
  })
})

describe("per-item result statuses", () => {
  it("name the documented values, and still read any other text", () => {
    const status = ItemStatus("created", "failed")
    const decode = Schema.decodeUnknownEither(status)
    expect(decode("created")).toEqual(Either.right("created"))
    expect(decode("archived")).toEqual(Either.right("archived"))
    expect(Either.isLeft(decode(1))).toBe(true)
    expect(String(status.ast)).toContain("\"created\"")
    const result = Schema.decodeUnknownEither(AccountPushResult)
    expect(result({ externalId: "crm-1", status: "merged" })).toEqual(
      Either.right({ externalId: "crm-1", status: "merged" })
    )
  })
})

describe("path parameters", () => {
  const Path = Schema.Struct({ id: Schema.String, sub: Schema.String }).pipe(
    Schema.filter((p) => p.id !== "" || "id must not be empty")
  )
  const UpdateThing = endpointWithPath({ template: "/things/:id/parts/:sub", params: Path }, {
    operation: "things.update",
    method: "PUT",
    body: Schema.Struct({ name: Schema.String }),
    response: Schema.Unknown
  })

  it("fill each `:name` of the template, escaped as one segment, from the call's path parameters", () => {
    const call = { path: { id: "a/b", sub: ".." }, params: { name: "n" } }
    expect(UpdateThing.path(call)).toBe("/things/a%2Fb/parts/..")
    expect(UpdateThing.encode(call)).toEqual(Either.right({ query: {}, body: { name: "n" } }))
  })

  it("are checked with the rest: a bad one fails the call, and its path is the template", () => {
    const call = { path: { id: "", sub: "x" }, params: { name: "n" } }
    expect(UpdateThing.path(call)).toBe("/things/:id/parts/:sub")
    const encoded = UpdateThing.encode(call)
    expect(Either.isLeft(encoded) && encoded.left.message).toContain("id must not be empty")
    expect(Either.isLeft(UpdateThing.encode({ path: { id: "a", sub: "b" }, params: { name: 1 } as never }))).toBe(true)
  })
})
