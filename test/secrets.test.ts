import * as Headers from "@effect/platform/Headers"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Inspectable from "effect/Inspectable"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type * as Tracer from "effect/Tracer"
import { ApiKey, RecotapConfig, RecotapCrm } from "../src/index.js"
import { endpoint } from "../src/internal/endpoint.js"
import { makeRequestPath } from "../src/internal/requestPath.js"
import {
  account,
  envelope,
  errorEnvelope,
  fakeHttp,
  type Handler,
  json,
  recordingLogger,
  recordingTracer,
  SECRET,
  singleAttempt
} from "./helpers.js"

const stringify = (value: unknown) => JSON.stringify(value, (_, v) => (typeof v === "bigint" ? v.toString() : v)) ?? ""

/** Every way anyone could print an error or a value. */
const renderings = (value: unknown): ReadonlyArray<string> => [
  String(value),
  stringify(value),
  Inspectable.format(value),
  Inspectable.toStringUnknown(value),
  value instanceof Error ? `${value.message}\n${value.stack ?? ""}` : "",
  Cause.pretty(Cause.fail(value))
]

const spanTexts = (spans: ReadonlyArray<Tracer.Span>) =>
  spans.flatMap((span) => [
    span.name,
    ...[...span.attributes.entries()].map(([k, v]) => `${k}=${String(v)}`),
    ...("events" in span ? [stringify((span as { events: unknown }).events)] : [])
  ])

/** Runs `program` against `handler` with `key`, recording spans and logs; returns every text it produced. */
const observe = <A, E>(
  handler: Handler,
  program: Effect.Effect<A, E, RecotapCrm>,
  key: string = SECRET
) =>
  Effect.gen(function*() {
    const { spans, tracer } = yield* recordingTracer
    const logs = recordingLogger()
    const http = fakeHttp(handler)
    const layer = RecotapCrm.layer.pipe(
      Layer.provide(
        Layer.mergeAll(http.layer, ApiKey.layer(Redacted.make(key)), Layer.orDie(RecotapConfig.layer(singleAttempt)))
      )
    )
    const exit = yield* Effect.exit(program).pipe(
      Effect.provide(layer),
      Effect.withTracer(tracer),
      Effect.provide(logs.layer),
      Logger.withMinimumLogLevel(LogLevel.All)
    )
    const texts = [...renderings(exit), ...spanTexts(spans), ...logs.lines]
    return { exit, texts, spans, logs: logs.lines, sent: http.sent }
  })

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list({ limit: 2 }))

const scenarios: ReadonlyArray<[string, Handler]> = [
  ["a success", () => envelope({ data: [account(1)], nextCursor: "x", hasNextPage: false })],
  ["a 401 for a missing key", () => errorEnvelope(401, { customMessage: "X-Api-Key header is required" })],
  ["a 401 for an invalid key", () => errorEnvelope(401, { customMessage: "Invalid API key" })],
  ["a 400", () => errorEnvelope(400, { message: "Bad Request", data: [{ property: "lastSync", constraints: {} }] })],
  ["a 503", () => errorEnvelope(503, { message: "Service Unavailable" })],
  ["an HTML page", () => new Response("<html>proxy error</html>", { status: 502 })],
  ["a non-JSON 200", () => new Response("not json", { status: 200 })],
  ["a wrong shape", () => json({ data: { data: "nope" } })],
  ["a connection failure", () => Effect.fail(new TypeError("fetch failed"))],
  ["a server echoing the request headers", (request) => json({ echo: request.headers }, 500)]
]

describe("the API key never leaks", () => {
  for (const [name, handler] of scenarios) {
    it.effect(`through ${name}: not in errors, spans or logs`, () =>
      Effect.gen(function*() {
        const { exit, logs, sent, spans, texts } = yield* observe(handler, list)
        expect(sent[0]?.headers["x-api-key"]).toBe(SECRET)
        expect(spans.map((s) => s.name)).toContain("RecotapCrm.accounts.list")
        expect(logs.length).toBeGreaterThan(0)
        expect(texts.join("\n")).not.toContain(SECRET)
        if (name !== "a success") expect(exit._tag).toBe("Failure")
      }))
  }

  it.effect("the platform's HTTP span shows the header as redacted", () =>
    Effect.gen(function*() {
      const { spans } = yield* observe(() => envelope({ data: [], nextCursor: null, hasNextPage: false }), list)
      const http = spans.find((s) => s.attributes.has("http.request.header.x-api-key"))
      expect(String(http?.attributes.get("http.request.header.x-api-key"))).toBe("<redacted>")
    }))

  it.effect("even when the application cleared the redacted header names", () =>
    Effect.gen(function*() {
      const { texts } = yield* observe(
        () => envelope({ data: [], nextCursor: null, hasNextPage: false }),
        Effect.locally(list, Headers.currentRedactedNames, [])
      )
      expect(texts.join("\n")).not.toContain(SECRET)
    }))

  it.effect("a key refused locally is not echoed", () =>
    Effect.gen(function*() {
      const { exit, sent, texts } = yield* observe(() => json({}), list, `${SECRET}\n`)
      expect(sent).toHaveLength(0)
      expect(String(exit)).toContain("InvalidApiKey")
      expect(texts.join("\n")).not.toContain(SECRET)
    }))

  it.effect("streams and syncs leak nothing either", () =>
    Effect.gen(function*() {
      const program = Effect.flatMap(RecotapCrm, (crm) => Stream.runCollect(crm.accounts.sync()))
      const { texts } = yield* observe(
        () =>
          envelope({ data: [account(1)], nextCursor: null, hasNextPage: false, syncTimestamp: "2026-05-01T00:00:00Z" }),
        program
      )
      expect(texts.join("\n")).not.toContain(SECRET)
    }))

  it.scoped("write errors (400 with violations, 404, 409) leak nothing", () =>
    Effect.gen(function*() {
      const answers = [
        errorEnvelope(400, {
          message: "Bad Request",
          data: [{ property: "domain", constraints: { isNotEmpty: "domain should not be empty" } }]
        }),
        errorEnvelope(404, { message: "Not Found", customMessage: "Account not found" }),
        errorEnvelope(409, { message: "Conflict", customMessage: "Pipeline(s) already exist: smb-pipeline" })
      ]
      const write = endpoint({
        operation: "test.write",
        method: "POST",
        path: "/accounts",
        response: Schema.Unknown,
        typed: ["BadRequest", "NotFound", "Conflict"]
      })
      for (const answer of answers) {
        const http = fakeHttp(() => answer)
        const error = yield* Effect.flip(
          Effect.flatMap(makeRequestPath, (requestPath) => requestPath.execute(write, undefined)).pipe(
            Effect.provide(Layer.merge(http.layer, ApiKey.layer(Redacted.make(SECRET))))
          )
        )
        expect(["BadRequest", "NotFound", "Conflict"]).toContain(error._tag)
        expect(renderings(error).join("\n")).not.toContain(SECRET)
      }
    }))
})

describe("a server that echoes the key back", () => {
  const update = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
  const push = Effect.flatMap(RecotapCrm, (crm) => crm.deals.push([{ externalDealId: "d-1", name: "Deal" }]))
  const echoes: ReadonlyArray<[string, Handler, Effect.Effect<unknown, unknown, RecotapCrm>]> = [
    ["a 500 message", () => errorEnvelope(500, { message: `boom for key ${SECRET}` }), list],
    [
      "a 400 customMessage",
      () => errorEnvelope(400, { message: "Bad Request", customMessage: `key ${SECRET} lacks rights` }),
      update
    ],
    [
      "a 400 validation message",
      () =>
        errorEnvelope(400, {
          message: "Bad Request",
          data: [{ property: "x", constraints: { isString: `${SECRET} is no string` } }]
        }),
      update
    ],
    ["a 401 message", () => errorEnvelope(401, { message: `Unauthorized access for ${SECRET}` }), list],
    ["a 200 body that is not JSON", () => new Response(`hello ${SECRET}`, { status: 200 }), list],
    [
      "a 502 HTML title",
      () => new Response(`<html><head><title>502 ${SECRET}</title></head></html>`, { status: 502 }),
      list
    ],
    ["a 200 of the wrong shape", () => envelope({ data: SECRET, hasNextPage: false }), list],
    [
      "a per-item error of a bulk write",
      () => envelope({ results: [{ externalDealId: "d-1", status: "failed", error: `no ${SECRET}` }] }),
      push
    ],
    ["a bulk write's 500", () => errorEnvelope(500, { message: `boom ${SECRET}` }), push],
    [
      "a bulk write's 400",
      () => errorEnvelope(400, { message: "Bad Request", customMessage: `refused ${SECRET}` }),
      push
    ]
  ]
  for (const [name, handler, program] of echoes) {
    it.effect(`blanks it out of ${name}, in every rendering of the error or outcome`, () =>
      Effect.gen(function*() {
        const { exit, texts } = yield* observe(handler, program)
        expect(texts.join("\n")).not.toContain(SECRET)
        // What the server said is kept, the key blanked out.
        expect(texts.join("\n")).toContain("<redacted>")
        expect(renderings(exit).join("\n")).toContain("<redacted>")
      }))
  }
})
