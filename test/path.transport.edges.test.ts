/**
 * The edges of one attempt that only show in texts and fields: how a connection failure's cause
 * is described (its depth, a missing or null cause, a cause chain that loops), the wording of a
 * refused redirect and of a key source that does not answer, the fields of the Debug line, and
 * when a declared Content-Length is trusted (not when the body is compressed or the length is
 * not a number).
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as TestClock from "effect/TestClock"
import { ApiKey, RecotapConfig, RecotapCrm } from "../src/index.js"
import {
  account,
  crmWith,
  envelope,
  failureOf,
  fakeHttp,
  type Handler,
  logRecords,
  networkFailure,
  recordingLogger,
  settle
} from "./helpers.js"

const BASE = "https://eapi.recotap.com/api/v1/crm"
const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })

/** The text of a success envelope holding one account, padded with spaces to `bytes` bytes. */
const pageOfBytes = (bytes: number) => {
  const text = JSON.stringify({
    statusCode: 200,
    timestamp: "2026-04-30T10:00:00.000Z",
    path: "/api/v1/crm/accounts",
    data: { data: [account(1)], nextCursor: null, hasNextPage: false }
  })
  return text + " ".repeat(bytes - new TextEncoder().encode(text).length)
}

describe("how a connection failure's cause is described", () => {
  it.effect("the error and each of its causes, outermost first, joined by colons", () => {
    const { layer } = crmWith(() => Effect.fail(networkFailure("ECONNREFUSED")))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport" })
      expect(error.detail).toBe("the request failed: fetch failed: ECONNREFUSED (simulated)")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a long cause chain is described four levels deep", () => {
    const { layer } = crmWith(() =>
      Effect.fail(networkFailure("ECONNRESET", "EPIPE", "ETIMEDOUT", "EHOSTUNREACH", "ENETDOWN"))
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error.detail).toBe(
        "the request failed: fetch failed: ECONNRESET (simulated): EPIPE (simulated): ETIMEDOUT (simulated)"
      )
    }).pipe(Effect.provide(layer))
  })

  it.effect("a cause that is null ends the description", () => {
    const { layer } = crmWith(() => Effect.fail(new TypeError("fetch failed", { cause: null })))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport" })
      expect(error.detail).toBe("the request failed: fetch failed")
      expect(error).not.toHaveProperty("notProcessed")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a failure without any cause is an unknown cause", () => {
    const { layer } = crmWith(() => Effect.fail(undefined))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport" })
      expect(error.detail).toBe("the request failed: unknown cause")
    }).pipe(Effect.provide(layer))
  })

  // After the finite chains above: a client that followed this chain to its end would never stop.
  it.effect("a cause chain that loops back on itself is described four levels deep, and does not hang", () => {
    const loop = new Error("socket closed")
    Object.assign(loop, { cause: loop })
    const { layer } = crmWith(() => Effect.fail(loop))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport" })
      expect(error.detail).toBe("the request failed: socket closed: socket closed: socket closed: socket closed")
      expect(error).not.toHaveProperty("notProcessed")
    }).pipe(Effect.provide(layer))
  })
})

describe("the wording of a refused redirect", () => {
  it.effect("from a plain http base URL (loopback), a redirect to another http host is another origin, not a downgrade", () => {
    const { layer, sent } = crmWith(
      () => new Response("", { status: 302, headers: { location: "http://elsewhere.example/api/accounts" } }),
      undefined,
      { retry: { maxRetries: 0 }, baseUrl: "http://127.0.0.1:8080/api" }
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Redirect", status: 302 })
      expect(error.detail).toBe(
        "refused to follow a redirect to another origin (http://elsewhere.example): the API key is only sent to http://127.0.0.1:8080"
      )
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})

describe("a key source that does not answer", () => {
  it.effect("fails with MissingApiKey naming the timeout it did not answer within", () => {
    const http = fakeHttp(() => emptyPage())
    const layer = RecotapCrm.layer.pipe(
      Layer.provide(
        Layer.mergeAll(
          http.layer,
          ApiKey.layerEffect(Effect.never),
          Layer.orDie(RecotapConfig.layer({ timeout: "2 seconds" }))
        )
      )
    )
    return Effect.gen(function*() {
      const error = failureOf(yield* settle(list))
      expect(error).toMatchObject({
        _tag: "MissingApiKey",
        reason: "SourceFailed",
        detail: "the API key source did not answer within 2s"
      })
      expect(http.sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })
})

/** Runs `list` over `handler` with one attempt, recording every log line at Debug. */
const debugLines = (handler: Handler) =>
  Effect.gen(function*() {
    const logs = recordingLogger()
    const { layer } = crmWith(handler)
    yield* settle(Effect.exit(list)).pipe(
      Effect.provide(layer),
      Effect.provide(logs.layer),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
    return logRecords(logs.lines).filter((r) => r.message === "Recotap request")
  })

describe("the Debug line of a request", () => {
  it.effect("its duration is the request's own, whatever the clock read when it began", () =>
    Effect.gen(function*() {
      yield* TestClock.adjust("1 hour")
      const lines = yield* debugLines(() => Effect.as(Effect.sleep("250 millis"), emptyPage()))
      expect(lines).toHaveLength(1)
      expect(lines[0]?.annotations).toMatchObject({ status: 200, durationMs: 250 })
    }))

  it.effect("a request without an answer says it failed, and has no status", () =>
    Effect.gen(function*() {
      const lines = yield* debugLines(() => Effect.fail(networkFailure("ECONNRESET")))
      expect(lines).toHaveLength(1)
      expect(lines[0]?.annotations).toMatchObject({
        method: "GET",
        url: `${BASE}/accounts`,
        failed: "no usable answer"
      })
      expect(lines[0]?.annotations).not.toHaveProperty("status")
    }))
})

describe("when a declared Content-Length is trusted", () => {
  const CAP = 2_000
  const capped = { retry: { maxRetries: 0 }, maxResponseBytes: CAP }

  it.effect("a compressed body declared under the cap that inflates past it is refused (Decode)", () => {
    // The declared length is the compressed size: what the body inflates to is counted instead.
    const { layer } = crmWith(
      () =>
        new Response(pageOfBytes(CAP + 500), {
          status: 200,
          headers: { "content-type": "application/json", "content-encoding": "gzip", "content-length": "400" }
        }),
      undefined,
      capped
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
      expect(error.message).toContain(`larger than the ${CAP}-byte cap`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a compressed body within the cap is read, whatever length it declares", () => {
    const { layer } = crmWith(
      () =>
        new Response(pageOfBytes(CAP), {
          status: 200,
          headers: { "content-type": "application/json", "content-encoding": "gzip", "content-length": String(CAP + 1) }
        }),
      undefined,
      capped
    )
    return Effect.gen(function*() {
      expect((yield* list).data).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a Content-Length that is not a number is ignored: a body past the cap is refused (Decode)", () => {
    const { layer } = crmWith(
      () =>
        new Response(pageOfBytes(CAP + 500), {
          status: 200,
          headers: { "content-type": "application/json", "content-length": "lots" }
        }),
      undefined,
      capped
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
      expect(error.message).toContain(`larger than the ${CAP}-byte cap`)
    }).pipe(Effect.provide(layer))
  })
})

describe("a body that cannot be read", () => {
  it.effect("fails with Transport, the status, and what broke the read", () => {
    const { layer } = crmWith(() =>
      new Response(
        new ReadableStream<Uint8Array>({
          pull(controller) {
            controller.error(new Error("socket hang up"))
          }
        }),
        { status: 200 }
      )
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport", status: 200 })
      expect(error.detail).toBe("the response body could not be read: socket hang up")
    }).pipe(Effect.provide(layer))
  })
})
