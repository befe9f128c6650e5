/**
 * The one request pipeline every endpoint goes through: parameter encoding, URL, `X-Api-Key`,
 * JSON headers, then attempts (see `transport.ts`) paced by the client's limiter and retried
 * by its policy (see `retry.ts`) within the call's deadline, each answer interpreted (see
 * `answer.ts`); one span per operation.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { ApiKey } from "../ApiKey.js"
import { type CallOptions, RecotapCallOptions } from "../RecotapCallOptions.js"
import { BASE_URLS, RecotapConfig, type RecotapSettings, resolveSettings, type Revision } from "../RecotapConfig.js"
import {
  BadRequest,
  type Conflict,
  MissingApiKey,
  type NotFound,
  type ReadError,
  type RecotapError,
  TransportError
} from "../RecotapError.js"
import { type Answer, interpret, routeNotFound } from "./answer.js"
import { truncate } from "./envelope.js"
import { describeParseError, toViolations } from "./parseError.js"
import { makeLimiter } from "./rateLimiter.js"
import { retrying, type RetrySafety } from "./retry.js"
import { makeTransport, urlOf } from "./transport.js"

/** Query parameters as they go on the wire. */
export type WireQuery = { readonly [name: string]: string | undefined }

/** A declarative description of one API operation. */
export interface Endpoint<Params, A> {
  /** Operation name; the span is `RecotapCrm.<operation>`. */
  readonly operation: string
  readonly method: "GET" | "POST" | "PUT" | "PATCH"
  /** Path relative to the base URL, starting with `/` (a function for paths with a parameter). */
  readonly path: string | ((params: Params) => string)
  /** Encodes (and so checks) the caller's parameters into the query string. */
  readonly query?: Schema.Schema<Params, WireQuery>
  /** Encodes (and so checks) the caller's parameters into the JSON body. */
  readonly body?: Schema.Schema<Params, any>
  /**
   * What parameters that fail their schema become: a `TransportError` (`InvalidRequest`, the
   * default, so that a read's union stays three tags) or, for writes, a `BadRequest` listing
   * the violations as the API would. Either way nothing is sent.
   */
  readonly invalidInput?: "TransportError" | "BadRequest"
  /**
   * Whether the request may be sent again on any transient failure (`idempotent`: the default
   * for GET, PUT and PATCH) or only when it provably was not processed (`createOnly`: the
   * default for POST).
   */
  readonly safety?: RetrySafety
  /** The payload inside the success envelope. */
  readonly response: Schema.Schema<A, any>
}

/** The header that carries the key. */
const API_KEY_HEADER = "x-api-key"

// Make sure the key header is redacted in the platform's own spans whatever the user configured.
const withKeyHeaderRedacted = Effect.locallyWith(
  Headers.currentRedactedNames,
  (names) => (names.includes(API_KEY_HEADER) ? names : [...names, API_KEY_HEADER])
)

/** Turns a 400/404/409 into a `TransportError`: on a read, they are not something to act on. */
export const asTransportError = (error: BadRequest | NotFound | Conflict): TransportError =>
  new TransportError({
    reason: "StatusCode",
    method: error.method,
    url: error.url,
    status: error._tag === "BadRequest" ? 400 : error._tag === "NotFound" ? 404 : 409,
    detail: error.message
  })

/** What one call may change of the client's settings. */
type CallSettings = Pick<RecotapSettings, "timeout" | "retry" | "deadline">

/** The client's settings with one call's overrides; invalid overrides are a defect (a bug in the caller). */
const callSettings = (config: RecotapSettings, call: CallOptions): CallSettings => {
  if (call.retry === undefined && call.timeout === undefined && call.deadline === undefined) return config
  const deadline = call.deadline ?? config.deadline
  const resolved = Either.getOrThrowWith(
    resolveSettings({
      timeout: call.timeout ?? config.timeout,
      retry: { ...config.retry, ...call.retry },
      ...(deadline === undefined ? {} : { deadline })
    }),
    (message) => new Error(`Invalid RecotapCallOptions: ${message}`)
  )
  return { timeout: resolved.timeout, retry: resolved.retry, deadline: resolved.deadline }
}

// Compiling a decoder is costly: one per endpoint, made on its first call.
const interpreters = new WeakMap<Endpoint<any, any>, ReturnType<typeof interpret<any, any>>>()
const interpreterOf = <A>(endpoint: Endpoint<any, A>): ReturnType<typeof interpret<A, any>> => {
  let interpreter = interpreters.get(endpoint)
  if (interpreter === undefined) {
    interpreter = interpret(endpoint.response)
    interpreters.set(endpoint, interpreter)
  }
  return interpreter
}

/** Makes every retry visible: a `recotap.retry` event on the operation's span and a debug log line. */
const reportRetry = (request: HttpClientRequest.HttpClientRequest) =>
(error: TransportError, attempt: number, delay: Duration.Duration): Effect.Effect<void> =>
  Effect.gen(function*() {
    const span = yield* Effect.option(Effect.currentSpan)
    const attributes = {
      "recotap.attempt": attempt,
      "recotap.retry.reason": error.reason,
      "recotap.retry.delay_ms": Duration.toMillis(delay),
      ...(error.status === undefined ? {} : { "http.response.status_code": error.status })
    }
    if (Option.isSome(span)) span.value.event("recotap.retry", yield* Clock.currentTimeNanos, attributes)
    yield* Effect.logDebug(`Recotap request failed (${error.reason}); retrying`).pipe(
      Effect.annotateLogs({ method: request.method, url: urlOf(request), attempt, delayMs: Duration.toMillis(delay) })
    )
  })

/** How far a call got, for the error of a deadline that passes. */
interface Progress {
  readonly attempts: number
  readonly inFlight: boolean
  /** Whether an attempt ended in a way that may have been processed (a 500, a reset, a timeout). */
  readonly maybeProcessed: boolean
  readonly last: TransportError | undefined
}

/**
 * The error of a call whose deadline passed. With no attempt in flight, and every failure so
 * far one that was certainly not processed (or no attempt at all), nothing was applied: the
 * whole history counts, not the last failure.
 */
const deadlinePassed = (method: string, url: string, deadline: Duration.Duration, progress: Progress) =>
  new TransportError({
    reason: "Timeout",
    method,
    url: progress.last?.url ?? url,
    detail: `the call's deadline of ${Duration.format(deadline)} passed` +
      (progress.last === undefined ? "" : ` (last failure: ${progress.last.detail})`),
    attempts: progress.attempts,
    ...(!progress.inFlight && !progress.maybeProcessed ? { notProcessed: true } : {})
  })

/**
 * The error of a request not sent because Recotap asked this client to pause for longer than it
 * waits: as a 429 with the remaining `Retry-After`, so that it is handled like the original one.
 */
const pausedTooLong = (request: HttpClientRequest.HttpClientRequest, resumeAt: number, now: number) =>
  new TransportError({
    reason: "StatusCode",
    method: request.method,
    url: urlOf(request),
    status: 429,
    retryAfterMillis: resumeAt - now,
    notProcessed: true,
    detail: `not sent: Recotap asked this client to pause until ${new Date(resumeAt).toISOString()}`
  })

/** What replaces the key wherever a server echoed it. */
const REDACTED = "<redacted>"

/** Shortest key blanked out of server text. */
const MIN_SCRUBBED_KEY = 8

/**
 * Blanks the key out of a server's text before anything reads it, as sent and in its JSON- and
 * URL-escaped forms: a server that echoes the key (in a message, a validation error, an HTML
 * page) must not put it into an error, an outcome or a log line. A key shorter than
 * {@link MIN_SCRUBBED_KEY} is left alone: it would match ordinary text (real keys are far longer).
 */
const scrubber = (key: string) => {
  if (key.length < MIN_SCRUBBED_KEY) return (text: string) => text
  const forms = [...new Set([key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)])]
  return (text: string): string => {
    let scrubbed = text
    for (const form of forms) if (scrubbed.includes(form)) scrubbed = scrubbed.replaceAll(form, REDACTED)
    return scrubbed
  }
}

/** Builds the pipeline from the client's services. */
export const makePipeline = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const apiKey = yield* ApiKey
  const config = yield* RecotapConfig
  const attempt = makeTransport(client, config)
  const limiter = yield* makeLimiter(config.rateLimit)
  const other: Revision = config.revision === "crm" ? "external" : "crm"

  /**
   * The error of a 404 that is the framework's "no such route": a wrong base URL or revision,
   * not a missing record. Certainly not processed, and not worth retrying.
   */
  const unservedRoute = (answer: Answer, said: string) =>
    new TransportError({
      reason: "StatusCode",
      method: answer.method,
      url: answer.url,
      status: 404,
      notProcessed: true,
      detail: `the base URL ${config.baseUrl} does not serve this endpoint (the server answered "${truncate(said)}"): ` +
        `check the base URL, or try the ${other === "crm" ? "CRM" : "External"} revision ` +
        `(revision: "${other}", base URL ${BASE_URLS[other]})`
    })

  /** Sends one request (with retries) and decodes its answer; every failure is typed. */
  const execute = <Params, A>(
    endpoint: Endpoint<Params, A>,
    params: Params,
    safety: RetrySafety = endpoint.safety ?? (endpoint.method === "POST" ? "createOnly" : "idempotent")
  ): Effect.Effect<A, RecotapError> => {
    const method = endpoint.method
    const baseUrl = `${config.baseUrl}${typeof endpoint.path === "string" ? endpoint.path : endpoint.path(params)}`
    const interpretAnswer = interpreterOf(endpoint)
    const invalidInput = (error: ParseResult.ParseError): TransportError | BadRequest =>
      endpoint.invalidInput === "BadRequest"
        ? new BadRequest({ method, url: baseUrl, serverMessage: "Bad Request", origin: "client", violations: toViolations(error) })
        : new TransportError({
          reason: "InvalidRequest",
          method,
          url: baseUrl,
          detail: `the request could not be built: ${describeParseError(error)}`
        })
    const encode = <I>(schema: Schema.Schema<Params, I>) =>
      Schema.encode(schema)(params, { onExcessProperty: "error" }).pipe(Effect.mapError(invalidInput))

    return Effect.gen(function*() {
      const settings = callSettings(config, yield* RecotapCallOptions)
      const query = endpoint.query === undefined ? {} : yield* encode(endpoint.query)
      const body = endpoint.body === undefined ? Option.none() : Option.some(yield* encode(endpoint.body))
      // What the deadline needs to know: attempts started, one in flight, the last failure.
      const progress = yield* Ref.make<Progress>({ attempts: 0, inFlight: false, maybeProcessed: false, last: undefined })
      const attemptOnce = (request: HttpClientRequest.HttpClientRequest, scrub: (text: string) => string) =>
        Effect.zipRight(
          Ref.update(progress, (p) => ({ ...p, attempts: p.attempts + 1, inFlight: true })),
          Effect.flatMap(attempt(request, settings.timeout), (answer) => {
            const scrubbed = { ...answer, text: scrub(answer.text) }
            const noRoute = routeNotFound(scrubbed)
            return noRoute === undefined ? interpretAnswer(scrubbed) : Effect.fail(unservedRoute(scrubbed, noRoute))
          })
        ).pipe(
          Effect.onExit((exit) =>
            Exit.isInterrupted(exit) ? Effect.void : Ref.update(progress, (p) => {
              const error = Exit.isFailure(exit) && exit.cause._tag === "Fail" && exit.cause.error instanceof TransportError
                ? exit.cause.error
                : undefined
              return {
                ...p,
                inFlight: false,
                maybeProcessed: p.maybeProcessed || (error !== undefined && error.notProcessed !== true),
                last: error ?? p.last
              }
            })
          )
        )
      const call = Effect.gen(function*() {
        const key = yield* apiKey.get.pipe(
          Effect.timeoutFail({
            duration: settings.timeout,
            onTimeout: () =>
              new MissingApiKey({
                reason: "SourceFailed",
                detail: `the API key source did not answer within ${Duration.format(settings.timeout)}`
              })
          })
        )
        const request = HttpClientRequest.make(method)(baseUrl).pipe(
          HttpClientRequest.setUrlParams(
            Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined)
          ),
          HttpClientRequest.acceptJson,
          // Every request says JSON, a GET too, as the reference's examples do.
          (request) =>
            Option.match(body, {
              onNone: () => HttpClientRequest.setHeader(request, "content-type", "application/json"),
              onSome: (json) => HttpClientRequest.bodyUnsafeJson(request, json)
            }),
          HttpClientRequest.setHeader(API_KEY_HEADER, Redacted.value(key))
        )
        return yield* retrying(
          limiter.run(
            attemptOnce(request, scrubber(Redacted.value(key))),
            settings.retry.maxRetryAfter,
            (resumeAt, now) => pausedTooLong(request, resumeAt, now)
          ),
          settings.retry,
          safety,
          { onBackOff: limiter.pause, onRetry: reportRetry(request) }
        )
      })
      const deadline = settings.deadline
      if (deadline === undefined) return yield* call
      return yield* Effect.timeout(call, deadline).pipe(
        Effect.catchTag("TimeoutException", () =>
          Effect.flatMap(Ref.get(progress), (p) => Effect.fail(deadlinePassed(method, baseUrl, deadline, p))))
      )
    }).pipe(
      withKeyHeaderRedacted,
      Effect.withSpan(`RecotapCrm.${endpoint.operation}`, {
        kind: "client",
        attributes: { "recotap.operation": endpoint.operation, "http.request.method": method, "url.full": baseUrl }
      })
    )
  }

  /** A read: 400/404/409 are not actionable there, so they become `TransportError`s. */
  const read = <Params, A>(endpoint: Endpoint<Params, A>, params: Params): Effect.Effect<A, ReadError> =>
    execute(endpoint, params).pipe(
      Effect.catchTags({
        BadRequest: (error) => Effect.fail(asTransportError(error)),
        NotFound: (error) => Effect.fail(asTransportError(error)),
        Conflict: (error) => Effect.fail(asTransportError(error))
      })
    )

  return { baseUrl: config.baseUrl, revision: config.revision, execute, read } as const
})

/** The request pipeline of one client. */
export type Pipeline = Effect.Effect.Success<typeof makePipeline>
