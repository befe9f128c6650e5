/**
 * What the observability and reliability guides (docs/guides) promise to show: the span of each
 * call (name, operation, method, URL), the bulk write's call and batch spans, the `recotap.retry`
 * span events, the Debug line of each request and of each retry, and the texts of the errors.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import type * as Tracer from "effect/Tracer"
import { type AccountInput, RecotapCrm } from "../src/index.js"
import {
  crmWith,
  envelope,
  errorEnvelope,
  failureOf,
  type Handler,
  logRecords,
  networkFailure,
  recordingLogger,
  recordingTracer,
  settle
} from "./helpers.js"

const BASE = "https://eapi.recotap.com/api/v1/crm"
const emptyPage = () => envelope({ data: [], nextCursor: null, hasNextPage: false })

/** Runs `program` over `handler`, settled on the TestClock, recording spans and every log line (Debug included). */
const observe = <A, E>(
  handler: Handler,
  program: Effect.Effect<A, E, RecotapCrm>,
  config: Parameters<typeof crmWith>[2] = { retry: { maxRetries: 0 } }
) =>
  Effect.gen(function*() {
    const { spans, tracer } = yield* recordingTracer
    const logs = recordingLogger()
    const { layer, sent } = crmWith(handler, undefined, config)
    const exit = yield* settle(program).pipe(
      Effect.provide(layer),
      Effect.withTracer(tracer),
      Effect.provide(logs.layer),
      Logger.withMinimumLogLevel(LogLevel.Debug)
    )
    return { exit, spans, records: logRecords(logs.lines), sent }
  })

const attributesOf = (span: Tracer.Span | undefined) => Object.fromEntries(span?.attributes ?? new Map())

/** The parent span of `span`, when it is one of `spans`. */
const parentOf = (span: Tracer.Span, spans: ReadonlyArray<Tracer.Span>) =>
  Option.match(span.parent, {
    onNone: () => undefined,
    onSome: (parent) => spans.find((s) => s.spanId === parent.spanId)
  })

/** The raw `recotap.retry` events of a span, with all their attributes. */
const retryEventAttributes = (span: Tracer.Span | undefined) =>
  ((span as unknown as { events?: ReadonlyArray<readonly [string, bigint, Record<string, unknown>]> } | undefined)
    ?.events ?? [])
    .filter(([name]) => name === "recotap.retry")
    .map(([, , attributes]) => attributes)

describe("the span of each call", () => {
  it.effect("accounts.list: RecotapCrm.accounts.list, with the operation, the method and the URL", () =>
    Effect.gen(function*() {
      const { spans } = yield* observe(emptyPage, Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()))
      const span = spans.find((s) => s.name === "RecotapCrm.accounts.list")
      expect(span).toBeDefined()
      expect(attributesOf(span)).toMatchObject({
        "recotap.operation": "accounts.list",
        "http.request.method": "GET",
        "url.full": `${BASE}/accounts`
      })
      // The platform's HTTP span sits below it.
      const http = spans.find((s) => s.name.startsWith("http.client"))
      expect(http && parentOf(http, spans)).toBe(span)
    }))

  it.effect("accounts.update: RecotapCrm.accounts.update, PUT, the account's URL", () =>
    Effect.gen(function*() {
      const { spans } = yield* observe(
        () => envelope({ message: "ok" }),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      )
      expect(attributesOf(spans.find((s) => s.name === "RecotapCrm.accounts.update"))).toMatchObject({
        "recotap.operation": "accounts.update",
        "http.request.method": "PUT",
        "url.full": `${BASE}/accounts/crm-1`
      })
    }))

  it.effect("customFields.create: RecotapCrm.customFields.create, POST", () =>
    Effect.gen(function*() {
      const { spans } = yield* observe(
        () => envelope([{ key: "REVENUE_C", label: "Revenue", labelType: "number" }]),
        Effect.flatMap(RecotapCrm, (crm) => crm.customFields.create({ label: "Revenue", labelType: "number" }))
      )
      expect(attributesOf(spans.find((s) => s.name === "RecotapCrm.customFields.create"))).toMatchObject({
        "recotap.operation": "customFields.create",
        "http.request.method": "POST",
        "url.full": `${BASE}/accounts/custom-field`
      })
    }))

  it.effect("one span per call, even when the call is retried", () =>
    Effect.gen(function*() {
      let n = 0
      const { spans } = yield* observe(
        () => (n++ === 0 ? errorEnvelope(503, { message: "Service Unavailable" }) : emptyPage()),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()),
        {}
      )
      expect(spans.filter((s) => s.name === "RecotapCrm.accounts.list")).toHaveLength(1)
      expect(spans.filter((s) => s.name.startsWith("http.client"))).toHaveLength(2)
    }))
})

describe("the spans of a bulk write", () => {
  const accounts = (count: number): Array<AccountInput> =>
    Array.from({ length: count }, (_, i) => ({ externalId: `crm-${i}`, name: `Company ${i}`, domain: `c${i}.com` }))

  it.effect("RecotapCrm.accounts.push with the numbers of items and requests, and one .batch span per request below it", () =>
    Effect.gen(function*() {
      // 250 items, one invalid: 249 valid ones, in 3 requests of at most 100.
      const items = accounts(250)
      items[7] = { externalId: "crm-7", name: "", domain: "c7.com" }
      const { exit, sent, spans } = yield* observe(
        () => envelope({ results: [] }),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.push(items))
      )
      expect(exit._tag).toBe("Success")
      expect(sent).toHaveLength(3)
      const call = spans.filter((s) => s.name === "RecotapCrm.accounts.push")
      expect(call).toHaveLength(1)
      expect(attributesOf(call[0])).toMatchObject({
        "recotap.operation": "accounts.push",
        "recotap.items": 250,
        "recotap.requests": 3
      })
      const batches = spans.filter((s) => s.name === "RecotapCrm.accounts.push.batch")
      expect(batches).toHaveLength(3)
      for (const batch of batches) {
        expect(parentOf(batch, spans)).toBe(call[0])
        expect(attributesOf(batch)).toMatchObject({
          "recotap.operation": "accounts.push.batch",
          "http.request.method": "POST",
          "url.full": `${BASE}/accounts`
        })
      }
    }))

  it.effect("the other bulk writes name their spans after their operation", () =>
    Effect.gen(function*() {
      const { spans } = yield* observe(
        () => envelope({ results: [] }),
        Effect.flatMap(RecotapCrm, (crm) =>
          Effect.zip(
            crm.deals.push([{ externalDealId: "d-1", name: "Deal" }]),
            crm.accounts.mapExternalIds([{ domain: "a.com", externalId: "crm-1" }])
          ))
      )
      const names = spans.map((s) => s.name)
      expect(names).toContain("RecotapCrm.deals.push")
      expect(names).toContain("RecotapCrm.deals.push.batch")
      expect(names).toContain("RecotapCrm.accounts.mapExternalIds")
      expect(names).toContain("RecotapCrm.accounts.mapExternalIds.batch")
      expect(attributesOf(spans.find((s) => s.name === "RecotapCrm.accounts.mapExternalIds.batch"))).toMatchObject({
        "http.request.method": "PATCH",
        "url.full": `${BASE}/accounts/external-ids`
      })
    }))

  it.effect("an empty input: the call's span says 0 items and 0 requests, and there is no batch span", () =>
    Effect.gen(function*() {
      const { sent, spans } = yield* observe(
        () => envelope({ results: [] }),
        Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([]))
      )
      expect(sent).toHaveLength(0)
      expect(attributesOf(spans.find((s) => s.name === "RecotapCrm.deals.push"))).toMatchObject({
        "recotap.items": 0,
        "recotap.requests": 0
      })
      expect(spans.some((s) => s.name === "RecotapCrm.deals.push.batch")).toBe(false)
    }))
})

/** A 503, then a connection reset, then an empty page. */
const unavailableThenResetThenOk = () => {
  let n = 0
  return () => {
    n += 1
    if (n === 1) return errorEnvelope(503, { message: "Service Unavailable" })
    if (n === 2) return Effect.fail(networkFailure("ECONNRESET"))
    return emptyPage()
  }
}

describe("the recotap.retry span events", () => {
  it.effect("on the operation's span: attempt, reason, delay in ms, and the status when there was one", () =>
    Effect.gen(function*() {
      const { spans } = yield* observe(
        unavailableThenResetThenOk(),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()),
        {}
      )
      const events = retryEventAttributes(spans.find((s) => s.name === "RecotapCrm.accounts.list"))
      expect(events).toHaveLength(2)
      expect(events[0]).toMatchObject({
        "recotap.attempt": 1,
        "recotap.retry.reason": "StatusCode",
        "http.response.status_code": 503
      })
      expect(events[0]?.["recotap.retry.delay_ms"]).toBeGreaterThanOrEqual(250)
      expect(events[0]?.["recotap.retry.delay_ms"]).toBeLessThanOrEqual(500)
      expect(events[1]).toMatchObject({ "recotap.attempt": 2, "recotap.retry.reason": "Transport" })
      expect(events[1]?.["recotap.retry.delay_ms"]).toBeGreaterThanOrEqual(500)
      expect(events[1]?.["recotap.retry.delay_ms"]).toBeLessThanOrEqual(1000)
      // No answer, no status.
      expect(events[1]).not.toHaveProperty("http.response.status_code")
    }))

  it.effect("on the batch's span for a bulk write", () =>
    Effect.gen(function*() {
      let n = 0
      const { spans } = yield* observe(
        () => (n++ === 0 ? errorEnvelope(503, { message: "Service Unavailable" }) : envelope({ results: [] })),
        Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([{ externalDealId: "d-1", name: "Deal" }])),
        {}
      )
      const events = retryEventAttributes(spans.find((s) => s.name === "RecotapCrm.deals.push.batch"))
      expect(events).toHaveLength(1)
      expect(events[0]).toMatchObject({
        "recotap.attempt": 1,
        "recotap.retry.reason": "StatusCode",
        "http.response.status_code": 503
      })
    }))
})

describe("the Debug log lines", () => {
  it.effect("one per request, with method, URL (query included), status and duration", () =>
    Effect.gen(function*() {
      const { records } = yield* observe(
        () => Effect.as(Effect.sleep("250 millis"), emptyPage()),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list({ limit: 2 }))
      )
      const lines = records.filter((r) => r.message === "Recotap request")
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatchObject({
        logLevel: "DEBUG",
        annotations: { method: "GET", url: `${BASE}/accounts?limit=2`, status: 200, durationMs: 250 }
      })
    }))

  it.effect("one per attempt: each with its own status; a failure without an answer has none", () =>
    Effect.gen(function*() {
      const { records } = yield* observe(
        unavailableThenResetThenOk(),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()),
        {}
      )
      const lines = records.filter((r) => r.message === "Recotap request")
      expect(lines.map((l) => l.logLevel)).toEqual(["DEBUG", "DEBUG", "DEBUG"])
      expect(lines.map((l) => l.annotations["status"])).toEqual([503, undefined, 200])
      for (const line of lines) {
        expect(line.annotations).toMatchObject({ method: "GET", url: `${BASE}/accounts` })
        expect(typeof line.annotations["durationMs"]).toBe("number")
      }
    }))

  it.effect("a POST's line names the method and the URL", () =>
    Effect.gen(function*() {
      const { records } = yield* observe(
        () => envelope({ results: [] }),
        Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([{ externalDealId: "d-1", name: "Deal" }]))
      )
      expect(records.filter((r) => r.message === "Recotap request")).toEqual([
        expect.objectContaining({
          logLevel: "DEBUG",
          annotations: expect.objectContaining({ method: "POST", url: `${BASE}/deals`, status: 200 })
        })
      ])
    }))

  it.effect("one per retry, at Debug: the reason, the attempt, the delay, the method and the URL", () =>
    Effect.gen(function*() {
      let n = 0
      const { records, spans } = yield* observe(
        () => (n++ === 0 ? errorEnvelope(503, { message: "Service Unavailable" }) : emptyPage()),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()),
        {}
      )
      const retries = records.filter((r) => String(r.message).includes("retrying"))
      expect(retries).toHaveLength(1)
      const delay = retryEventAttributes(spans.find((s) => s.name === "RecotapCrm.accounts.list"))[0]
        ?.["recotap.retry.delay_ms"]
      expect(retries[0]).toMatchObject({
        logLevel: "DEBUG",
        annotations: { method: "GET", url: `${BASE}/accounts`, attempt: 1, delayMs: delay }
      })
      expect(String(retries[0]?.message)).toContain("StatusCode")
    }))

  it.effect("every request and retry line is at Debug level", () =>
    Effect.gen(function*() {
      const { records } = yield* observe(
        () => errorEnvelope(503, { message: "Service Unavailable" }),
        Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list()),
        {}
      )
      const ours = records.filter((r) => r.message === "Recotap request" || String(r.message).includes("retrying"))
      expect(ours).toHaveLength(5)
      expect(ours.every((r) => r.logLevel === "DEBUG")).toBe(true)
    }))
})

describe("the texts of the errors", () => {
  const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())

  it.effect("TransportError: method, URL, status, \"after N attempts\", reason and the server's message", () =>
    Effect.gen(function*() {
      const { exit } = yield* observe(() => errorEnvelope(503, { message: "Service Unavailable" }), list, {})
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", status: 503, attempts: 3 })
      expect(error.message).toContain(`GET ${BASE}/accounts`)
      expect(error.message).toContain("503")
      expect(error.message).toContain("after 3 attempts")
      expect(error.message).toContain("StatusCode")
      expect(error.message).toContain("Service Unavailable")
    }))

  it.effect("TransportError after one attempt: no attempt count; the customMessage preferred", () =>
    Effect.gen(function*() {
      const { exit } = yield* observe(
        () => errorEnvelope(502, { message: "Bad Gateway", customMessage: "upstream is down" }),
        list
      )
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", status: 502, attempts: 1 })
      expect(error.message).toContain("502")
      expect(error.message).toContain("upstream is down")
      expect(error.message).not.toContain("attempts")
    }))

  it.effect("TransportError without a status (a connection failure): the cause, and the attempts", () =>
    Effect.gen(function*() {
      const { exit } = yield* observe(() => Effect.fail(networkFailure("ECONNRESET")), list, {})
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport", attempts: 3 })
      expect(error).not.toHaveProperty("status")
      expect(error.message).toContain("after 3 attempts")
      expect(error.message).toContain("ECONNRESET")
    }))

  it.effect("a status with an empty body still says which status", () =>
    Effect.gen(function*() {
      const { exit } = yield* observe(() => new Response("", { status: 504 }), list)
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", status: 504 })
      expect(error.message).toContain("504")
    }))

  const update = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))

  it.effect("BadRequest, NotFound and Conflict carry the server's text, customMessage first, each saying which it is", () =>
    Effect.gen(function*() {
      const said = "the server's own words"
      const badRequest = failureOf(
        (yield* observe(() => errorEnvelope(400, { message: "Bad Request", customMessage: said }), update)).exit
      )
      const notFound = failureOf(
        (yield* observe(() => errorEnvelope(404, { message: "Not Found", customMessage: said }), update)).exit
      )
      const conflict = failureOf(
        (yield* observe(
          () => errorEnvelope(409, { message: "Conflict", customMessage: said }),
          Effect.flatMap(RecotapCrm, (crm) => crm.customFields.create({ label: "Revenue", labelType: "number" }))
        )).exit
      )
      expect(badRequest).toMatchObject({
        _tag: "BadRequest",
        origin: "server",
        serverMessage: "Bad Request",
        customMessage: said
      })
      expect(notFound).toMatchObject({ _tag: "NotFound", serverMessage: "Not Found", customMessage: said })
      expect(conflict).toMatchObject({ _tag: "Conflict", serverMessage: "Conflict", customMessage: said })
      const pairs = [[badRequest, "Bad Request"], [notFound, "Not Found"], [conflict, "Conflict"]] as const
      for (const [error, serverMessage] of pairs) {
        expect(error.message).toContain(said)
        // customMessage, when given, is what the message quotes.
        expect(error.message).not.toContain(serverMessage)
        // Something besides the server's words says what happened.
        expect(error.message.length).toBeGreaterThan(said.length + 5)
      }
      expect(new Set(pairs.map(([error]) => error.message)).size).toBe(3)
    }))

  it.effect("without a customMessage, the server's message is quoted", () =>
    Effect.gen(function*() {
      const notFound = failureOf(
        (yield* observe(() => errorEnvelope(404, { message: "Account with externalId 'crm-1' not found" }), update))
          .exit
      )
      expect(notFound._tag).toBe("NotFound")
      expect(notFound.message).toContain("Account with externalId 'crm-1' not found")
    }))

  it.effect("a BadRequest with violations lists each property with its messages", () =>
    Effect.gen(function*() {
      const { exit } = yield* observe(
        () =>
          errorEnvelope(400, {
            message: "Bad Request",
            data: [
              { property: "customFields", constraints: { isObject: "customFields must be an object" } },
              { property: "region", constraints: { isString: "must be a string", isNotEmpty: "must not be empty" } }
            ]
          }),
        update
      )
      const error = failureOf(exit)
      expect(error).toMatchObject({
        _tag: "BadRequest",
        violations: [
          { property: "customFields", constraints: { isObject: "customFields must be an object" } },
          { property: "region", constraints: { isString: "must be a string", isNotEmpty: "must not be empty" } }
        ]
      })
      expect(error.message).toContain("customFields must be an object")
      expect(error.message).toContain("region: must be a string, must not be empty")
    }))

  it.effect("a BadRequest refused locally says it was not sent", () =>
    Effect.gen(function*() {
      const { exit, sent } = yield* observe(
        () => envelope([]),
        Effect.flatMap(RecotapCrm, (crm) => crm.customFields.create({ label: "Tier", labelType: "singleSelection" }))
      )
      const error = failureOf(exit)
      expect(sent).toHaveLength(0)
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "client" })
      expect(error.message).toContain("not sent")
      expect(error.message).toContain("options")
    }))
})
