/**
 * Test helpers: a recording fake HttpClient (and `crmWith`, the client over it), a recording
 * tracer and logger, `settle` to run TestClock-driven calls to the end, and sample inputs.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Metric from "effect/Metric"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import * as Tracer from "effect/Tracer"
import {
  ApiKey,
  RecotapConfig,
  type RecotapConfigOptions,
  RecotapCrm,
  type RecotapMetrics,
  type SalesActivityInput
} from "../src/index.js"
import { RecotapSimulator, type Simulator } from "../src/simulator/index.js"

/** A key that must never show up anywhere but in the header. */
export const SECRET = "rk_live_5ecr3t-DO-NOT-LEAK-9f8e7d"

/** One request the fake client received. */
export interface SentRequest {
  readonly method: string
  readonly url: URL
  readonly headers: Readonly<Record<string, string>>
}

/** How the fake answers: a Web Response, or an effect (to fail, delay or hang). */
export type Handler = (request: SentRequest) => Response | Effect.Effect<Response, unknown>

/** A JSON response. */
export const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

/** The success envelope as Recotap sends it. */
export const envelope = (data: unknown, path = "/api/v1/crm/accounts") =>
  json({ statusCode: 200, timestamp: "2026-04-30T10:00:00.000Z", path, data })

/** An error envelope as Recotap sends it. */
export const errorEnvelope = (status: number, fields: Record<string, unknown>) =>
  json({ statusCode: status, timestamp: "2026-04-30T10:00:00.000Z", path: "/api/v1/crm/accounts", ...fields }, status)

/** A handler's answer as the platform's client gives it: a failing handler stands for a network failure, as fetch reports it. */
const respond = (request: HttpClientRequest.HttpClientRequest, answer: ReturnType<Handler>) =>
  Effect.isEffect(answer)
    ? Effect.mapBoth(answer, {
      onFailure: (cause) => new HttpClientError.RequestError({ request, reason: "Transport", cause }),
      onSuccess: (response) => HttpClientResponse.fromWeb(request, response)
    })
    : Effect.succeed(HttpClientResponse.fromWeb(request, answer))

/** A fake HttpClient that records every request and answers with `handler`. */
export const fakeHttp = (handler: Handler) => {
  const sent: Array<SentRequest> = []
  const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url: URL) => {
    const record: SentRequest = { method: request.method, url, headers: { ...request.headers } }
    sent.push(record)
    return respond(request, handler(record))
  })
  return { sent, layer: Layer.succeed(HttpClient.HttpClient, client) }
}

/** Settings for tests of what one attempt does: no retries. */
export const singleAttempt: RecotapConfigOptions = { retry: { maxRetries: 0 } }

/**
 * `RecotapCrm` over a fake client with the key {@link SECRET}; one attempt per call unless
 * `config` says otherwise.
 */
export const crmWith = (handler: Handler, key: string = SECRET, config: RecotapConfigOptions = singleAttempt) => {
  const http = fakeHttp(handler)
  const layer = RecotapCrm.layer.pipe(
    Layer.provide(
      Layer.mergeAll(http.layer, ApiKey.layer(Redacted.make(key)), Layer.orDie(RecotapConfig.layer(config)))
    )
  )
  return { sent: http.sent, layer }
}

/** `RecotapCrm` over a fake client with the key service `apiKey` (a source that fails, hangs, ...). */
export const crmWithKeyLayer = (
  handler: Handler,
  apiKey: Layer.Layer<ApiKey, unknown>,
  config: RecotapConfigOptions = singleAttempt
) => {
  const http = fakeHttp(handler)
  const layer = RecotapCrm.layer.pipe(
    Layer.provide(Layer.mergeAll(http.layer, Layer.orDie(apiKey), Layer.orDie(RecotapConfig.layer(config))))
  )
  return { sent: http.sent, layer }
}

/** One account as the API documents it. */
export const account = (n: number) => ({
  externalId: `crm-${String(n).padStart(3, "0")}`,
  name: `Company ${n}`,
  domain: `company${n}.com`,
  rtp_aid: (n.toString(16).padStart(24, "0")),
  rtp_account_score: n % 101,
  rtp_journey_stage: "Consideration",
  rtp_advertising_activity_score: 1,
  rtp_website_intent_score: 2,
  rtp_g2_intent_score: 3,
  rtp_bombora_intent_score: 4,
  rtp_last_account_date: "2026-04-30T09:00:00.000Z"
})

/** A tracer that records every span it starts. */
export const recordingTracer = Effect.map(Effect.tracer, (base) => {
  const spans: Array<Tracer.Span> = []
  const tracer = Tracer.make({
    span: (...args) => {
      const span = base.span(...args)
      spans.push(span)
      return span
    },
    context: base.context
  })
  return { spans, tracer }
})

/** A logger that records every line, all levels, with annotations and spans. */
export const recordingLogger = () => {
  const lines: Array<string> = []
  const logger = Logger.make((options) => {
    lines.push(Logger.logfmtLogger.log(options), JSON.stringify(Logger.structuredLogger.log(options)))
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

/**
 * Runs an effect that sleeps on the TestClock (retries, backoff, latency): forks it, moves the
 * clock by `step` until it is done (at most `maxSteps` times), and returns its exit.
 */
export const settle = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  step: Duration.DurationInput = "100 millis",
  maxSteps = 3000
) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(effect)
    for (let i = 0; i < maxSteps && Option.isNone(yield* fiber.poll); i++) {
      yield* TestClock.adjust(step)
    }
    if (Option.isNone(yield* fiber.poll)) {
      yield* Fiber.interrupt(fiber)
      return yield* Effect.dieMessage(`still running after ${maxSteps} clock steps: it hangs`)
    }
    return yield* Fiber.await(fiber)
  })

/** The count of a counter of `RecotapMetrics` tagged with `tags`. */
export const counterValue = (metric: typeof RecotapMetrics.requests, tags: Readonly<Record<string, string>>) =>
  Effect.map(
    Metric.value(Object.entries(tags).reduce((m, [k, v]) => Metric.tagged(m, k, v), metric)),
    (state) => state.count
  )

/** How much each reading grew while `program` ran (on the test clock, in steps of 250 ms), and its exit. */
export const grown = <A, E, R>(
  readings: Readonly<Record<string, Effect.Effect<number>>>,
  program: Effect.Effect<A, E, R>
) =>
  Effect.gen(function*() {
    const before = yield* Effect.all(readings)
    const exit = yield* settle(program, "250 millis")
    const after = yield* Effect.all(readings)
    const growth = Object.fromEntries(Object.keys(readings).map((k) => [k, after[k]! - before[k]!]))
    return { exit, growth }
  })

/** The `recotap.retry` events of recorded spans: attempt number and delay of each retry. */
export const retryEvents = (spans: ReadonlyArray<Tracer.Span>) =>
  spans.flatMap((span) =>
    ((span as unknown as { events?: ReadonlyArray<readonly [string, bigint, Record<string, unknown>]> }).events ?? [])
      .filter(([name]) => name === "recotap.retry")
      .map(([, , attributes]) => ({
        attempt: attributes["recotap.attempt"] as number,
        reason: attributes["recotap.retry.reason"] as string,
        delayMs: attributes["recotap.retry.delay_ms"] as number
      }))
  )

/** A valid call activity, numbered. */
export const activity = (n: number): SalesActivityInput => ({
  activityType: "call",
  externalActivityId: `act-${n}`,
  occurredAt: "2026-04-22T10:30:00Z",
  domain: "acme.com",
  ownerEmail: "rep@us.example",
  contacts: [{ email: "cto@acme.example" }]
})

/**
 * Runs `program` against a fresh in-memory simulator of `revision` (TestClock-driven, see
 * {@link settle}) with the real client configured by `config`; returns the simulator and the exit.
 */
export const onSim = <A, E>(
  program: (sim: Simulator) => Effect.Effect<A, E, RecotapCrm>,
  config: RecotapConfigOptions = {},
  revision: "crm" | "external" = "crm"
) =>
  Effect.gen(function*() {
    const sim = yield* RecotapSimulator
    const exit = yield* settle(program(sim))
    return { sim, exit }
  }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config, revision })))

/** The error of a failed exit; throws on anything else. */
export const failureOf = <A, E>(exit: Exit.Exit<A, E>): E => {
  if (Exit.isSuccess(exit) || exit.cause._tag !== "Fail") throw new Error(`expected a failure, got ${String(exit)}`)
  return exit.cause.error
}

/** The value of a successful exit; throws on a failure. */
export const successOf = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected a success, got ${String(exit)}`)
  return exit.value
}

// --- Helpers of the request-path tests (test/path.*.test.ts) ---

/**
 * A Response whose body arrives in the given chunks (text is UTF-8 encoded), one per read, with
 * no Content-Length header unless `init` sets one.
 */
export const chunkedResponse = (parts: ReadonlyArray<string | Uint8Array>, init: ResponseInit = {}): Response => {
  const encoder = new TextEncoder()
  const queue = parts.map((part) => (typeof part === "string" ? encoder.encode(part) : part))
  return new Response(
    new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = queue.shift()
        if (next === undefined) controller.close()
        else controller.enqueue(next)
      }
    }),
    init
  )
}

/** Cuts `text`'s UTF-8 bytes into chunks of `size` bytes (a multi-byte character may be split). */
export const bytesInChunks = (text: string, size: number): ReadonlyArray<Uint8Array> => {
  const bytes = new TextEncoder().encode(text)
  const chunks: Array<Uint8Array> = []
  for (let start = 0; start < bytes.length; start += size) chunks.push(bytes.slice(start, start + size))
  return chunks
}

/** One request the fake client received, its body included. */
export interface SentRequestWithBody extends SentRequest {
  /** The body as text; `""` when the request has none. */
  readonly body: string
  /** The platform's kind of body: `Uint8Array` for JSON, `Empty` for none. */
  readonly bodyKind: string
}

/** `crmWith`, whose handler (and `sent`) also see each request's body. */
export const crmWithBodies = (
  handler: (request: SentRequestWithBody) => Response | Effect.Effect<Response, unknown>,
  key: string = SECRET,
  config: RecotapConfigOptions = singleAttempt
) => {
  const sent: Array<SentRequestWithBody> = []
  const client = HttpClient.make((request: HttpClientRequest.HttpClientRequest, url: URL) => {
    const body = request.body
    const record: SentRequestWithBody = {
      method: request.method,
      url,
      headers: { ...request.headers },
      bodyKind: body._tag,
      body: body._tag === "Uint8Array"
        ? new TextDecoder().decode(body.body)
        : body._tag === "Raw"
        ? String(body.body)
        : ""
    }
    sent.push(record)
    return respond(request, handler(record))
  })
  const layer = RecotapCrm.layer.pipe(
    Layer.provide(Layer.mergeAll(
      Layer.succeed(HttpClient.HttpClient, client),
      ApiKey.layer(Redacted.make(key)),
      Layer.orDie(RecotapConfig.layer(config))
    ))
  )
  return { sent, layer }
}

/** A log line as the structured logger writes it. */
export interface LogRecord {
  readonly message: unknown
  readonly logLevel: string
  readonly annotations: Readonly<Record<string, unknown>>
}

/** The structured (JSON) lines of a {@link recordingLogger}. */
export const logRecords = (lines: ReadonlyArray<string>): ReadonlyArray<LogRecord> =>
  lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as LogRecord)

/** A network failure as fetch reports it: `TypeError: fetch failed` caused by errors with these codes, outermost first. */
export const networkFailure = (...codes: ReadonlyArray<string>): Error => {
  let cause: Error | undefined
  for (const code of [...codes].reverse()) {
    cause = Object.assign(new Error(`${code} (simulated)`, cause === undefined ? {} : { cause }), { code })
  }
  return new TypeError("fetch failed", cause === undefined ? {} : { cause })
}

// --- The simulator's profiles ---

/** The simulator's profiles: the simulator-backed tests of sync, settle and route-not-found run under each. */
export const SIM_PROFILES = ["reference", "observed"] as const

/** Moves the simulator's clock past its read lag, as a user waits before reading a write back (no-op without lag). */
export const pastReadLag = (sim: Simulator): void => void sim.advance(`${sim.readLagMillis} millis`)
