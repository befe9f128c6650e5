/**
 * What mutation testing found unheld in the request path and in paging: per-call overrides,
 * the key scrubbing's edges, read-only statuses, error URLs and texts, cycles with a tail.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { RecotapCallOptions, RecotapCrm } from "../src/index.js"
import { BASE_URLS } from "../src/RecotapConfig.js"
import { crmWith, envelope, errorEnvelope, json, recordingTracer } from "./helpers.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })
const endless = (cursor: (n: number) => string | null | undefined) => {
  let n = 0
  return () => envelope({ data: [], nextCursor: cursor(n++), hasNextPage: true })
}

describe("per-call overrides", () => {
  it.effect("a timeout alone overrides the client's: the call times out after it", () => {
    const { layer } = crmWith(() => Effect.never)
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Effect.flip(list.pipe(Effect.provideService(RecotapCallOptions, { timeout: "2 seconds" })))
      )
      yield* TestClock.adjust("2 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      expect(error.message).toContain("within 2s")
      expect(error._tag === "TransportError" && error.url).toBe(`${BASE_URLS.crm}/accounts`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a deadline alone applies to the call, and says what failed last", () => {
    const { layer } = crmWith(() => errorEnvelope(503, { message: "Service Unavailable" }), undefined, {
      retry: { maxRetries: 10, baseDelay: "1 second", maxDelay: "1 second" }
    })
    return Effect.gen(function*() {
      const fiber = yield* Effect.fork(
        Effect.flip(list.pipe(Effect.provideService(RecotapCallOptions, { deadline: "3 seconds" })))
      )
      yield* TestClock.adjust("3 seconds")
      const error = yield* Fiber.join(fiber)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      expect(error.message).toContain("deadline of 3s")
      expect(error.message).toContain("last failure: Service Unavailable")
    }).pipe(Effect.provide(layer))
  })

  it.effect("invalid per-call options are a defect naming them", () => {
    const { layer } = crmWith(emptyPage)
    return Effect.gen(function*() {
      const exit = yield* Effect.exit(list.pipe(Effect.provideService(RecotapCallOptions, { timeout: -1 })))
      expect(Exit.isFailure(exit) && Cause.isDie(exit.cause)).toBe(true)
      expect(Exit.isFailure(exit) && Cause.pretty(exit.cause)).toContain("Invalid RecotapCallOptions")
    }).pipe(Effect.provide(layer))
  })
})

describe("blanking the key out of server text: the edges", () => {
  const echo = (key: string, form: string) => {
    const { layer } = crmWith(() => errorEnvelope(500, { message: `boom ${form}` }), key)
    return Effect.flip(list).pipe(Effect.provide(layer), Effect.map((error) => error.message))
  }

  it.effect("a key of 8 characters is blanked out; a shorter one is left as is", () =>
    Effect.gen(function*() {
      expect(yield* echo("k8charsX", "k8charsX")).toContain("boom <redacted>")
      expect(yield* echo("k7chars", "k7chars")).toContain("boom k7chars")
    }))

  it.effect("its JSON-escaped and URL-encoded forms are blanked out too", () =>
    Effect.gen(function*() {
      // The body is JSON: a key with a quote arrives escaped (`quote\"key-123`), and would be read back unescaped.
      expect(yield* echo("quote\"key-123", "quote\"key-123")).not.toContain("key-123")
      expect(yield* echo("space key 1234", "space%20key%201234")).toContain("boom <redacted>")
    }))
})

describe("statuses a read does not keep typed", () => {
  for (
    const [status, fields, reason] of [
      // No read documents a 404: whatever its body, the base URL does not serve the endpoint.
      [404, { message: "Not Found", customMessage: "No such thing" }, "RouteNotFound"],
      [409, { message: "Conflict", customMessage: "Already there" }, "StatusCode"],
      [400, { message: "Bad Request", customMessage: "lastSync is wrong" }, "StatusCode"]
    ] as const
  ) {
    it.effect(`a ${status} on a read is a TransportError with the server's text`, () => {
      const { layer } = crmWith(() => errorEnvelope(status, fields))
      return Effect.gen(function*() {
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", reason, status })
        expect(error.message).toContain(fields.customMessage)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a 500 without a message says so", () => {
    const { layer } = crmWith(() => json({}, 500))
    return Effect.gen(function*() {
      expect((yield* Effect.flip(list)).message).toContain("HTTP 500 with no message")
    }).pipe(Effect.provide(layer))
  })

  it.effect("an empty 200 where a page is expected is a Decode error saying so", () => {
    const { layer } = crmWith(() => new Response("", { status: 200 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(error.message).toContain("the response body is empty")
    }).pipe(Effect.provide(layer))
  })
})

describe("what the errors name", () => {
  it.effect("an External client meeting a route-not-found is told to try the CRM revision", () => {
    const { layer } = crmWith(
      () => json({ message: "Cannot GET /api/v1/accounts", error: "Not Found" }, 404),
      undefined,
      {
        revision: "external",
        retry: { maxRetries: 0 }
      }
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error.message).toContain(`try the CRM revision (revision: "crm", base URL ${BASE_URLS.crm})`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("parameters refused before sending name the endpoint's URL", () => {
    const { layer } = crmWith(emptyPage)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.accounts.list({ limit: 0 }))
      expect(error).toMatchObject({
        _tag: "TransportError",
        reason: "InvalidRequest",
        url: `${BASE_URLS.crm}/accounts`
      })
      const update = yield* Effect.flip(
        crm.accounts.update({ externalId: "crm-1" }, { customFields: { X: Number.NaN } })
      )
      expect(update).toMatchObject({ _tag: "BadRequest", origin: "client", serverMessage: "Bad Request" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("the call's span is a client span", () => {
    const { layer } = crmWith(emptyPage)
    return Effect.gen(function*() {
      const { spans, tracer } = yield* recordingTracer
      yield* list.pipe(Effect.withTracer(tracer))
      expect(spans.find((s) => s.name === "RecotapCrm.accounts.list")?.kind).toBe("client")
    }).pipe(Effect.provide(layer))
  })
})

describe("paging that would never end: every way", () => {
  for (const [name, cursor] of [["null", null], ["an empty string", ""], ["missing", undefined]] as const) {
    it.effect(`hasNextPage with a nextCursor ${name} fails after one request`, () => {
      const { layer, sent } = crmWith(endless(() => cursor))
      return Effect.gen(function*() {
        const crm = yield* RecotapCrm
        const error = yield* Effect.flip(Stream.runDrain(crm.accounts.pages()))
        expect(error).toMatchObject({
          _tag: "TransportError",
          reason: "Decode",
          method: "GET",
          url: `${BASE_URLS.crm}/accounts`
        })
        expect(error.message).toContain("gives no nextCursor")
        expect(sent).toHaveLength(1)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a page that hands back the cursor the stream started from fails at once", () => {
    const { layer, sent } = crmWith(endless(() => "A"))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.pages({ cursor: "A" })))
      expect(error.message).toContain(`earlier cursor "A"`)
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("the cursor the stream started from is remembered after other cursors: coming back to it fails at once", () => {
    const { layer, sent } = crmWith(endless((n) => ["B", "C", "A", "B"][n % 4]))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.pages({ cursor: "A" })))
      expect(error.message).toContain(`earlier cursor "A"`)
      expect(sent).toHaveLength(3)
    }).pipe(Effect.provide(layer))
  })

  it.effect("the exact window forgets: a cycle of 20 is not caught at its first repeat, but by Brent's algorithm soon after", () => {
    const { layer, sent } = crmWith(endless((n) => `c${n % 20}`))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.pages()))
      expect(error.message).toContain("earlier cursor")
      // Kept without bound, the 21st page's cursor would be caught; the window holds 16.
      expect(sent.length).toBeGreaterThan(21)
      expect(sent.length).toBeLessThanOrEqual(3 * 20 + 16)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a cycle of 16 cursors is caught by the exact window, on the 17th page", () => {
    const { layer, sent } = crmWith(endless((n) => `c${n % 16}`))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      yield* Effect.flip(Stream.runDrain(crm.accounts.pages()))
      expect(sent).toHaveLength(17)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a long cycle after a tail of cursors that never come back is caught too", () => {
    const { layer, sent } = crmWith(endless((n) => (n < 3 ? `tail${n}` : `c${(n - 3) % 40}`)))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(Stream.runDrain(crm.accounts.pages().pipe(Stream.take(1000))))
      expect(error.message).toContain("earlier cursor")
      expect(sent.length).toBeLessThanOrEqual(3 + 3 * 40)
    }).pipe(Effect.provide(layer))
  })
})
