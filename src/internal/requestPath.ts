/**
 * The one request path every operation goes through: a declared endpoint's parameters encoded,
 * one request built, sent through the Recotap `HttpClient` (see `httpClient.ts`) within the
 * client's pace and pause, each answer read (`body.ts`) and interpreted (`answer.ts`), retried by
 * the policy (`retry.ts`) within the call's deadline; one span per operation.
 *
 * What only matters when configured costs nothing otherwise: no rate limiter without
 * `rateLimit`, no deadline bookkeeping without `deadline`, no clock read while no pause is set.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import { identity } from "effect/Function"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import { ApiKey } from "../ApiKey.js"
import { type CallOptions, RecotapCallOptions } from "../RecotapCallOptions.js"
import { RecotapConfig, type RecotapSettings, resolveSettings } from "../RecotapConfig.js"
import { BadRequest, type ReadError, type RecotapError, TransportError } from "../RecotapError.js"
import { interpret } from "./answer.js"
import { readText } from "./body.js"
import type { Endpoint, Outgoing, TypedStatus } from "./endpoint.js"
import { API_KEY_HEADER, makeAuthorize, makeRecotapHttpClient, type RecotapHttpClient, urlOf } from "./httpClient.js"
import { describeParseError, toViolations } from "./parseError.js"
import { makePause } from "./pause.js"
import { makeLimiter } from "./rateLimiter.js"
import { retrying } from "./retry.js"
import { makeRouteNotFound } from "./routeNotFound.js"

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
const makeScrubber = () => {
  // The forms of the last key seen: a key rarely changes, and most keys have a single form.
  let lastKey: string | undefined
  let forms: ReadonlyArray<string> = []
  return (text: string, key: string | undefined): string => {
    if (key === undefined || key.length < MIN_SCRUBBED_KEY) return text
    // Stryker disable next-line ConditionalExpression: equivalent, a cache (the forms are the same when worked out again)
    if (key !== lastKey) {
      forms = [...new Set([key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)])]
      lastKey = key
    }
    let scrubbed = text
    for (const form of forms) {
      // Stryker disable next-line ConditionalExpression: equivalent, a shortcut (replacing what is absent changes nothing)
      if (scrubbed.includes(form)) scrubbed = scrubbed.replaceAll(form, REDACTED)
    }
    return scrubbed
  }
}

const STATUS_OF = { BadRequest: 400, Conflict: 409 } as const

/**
 * A 400 or 409 the operation does not keep typed: not something to act on there. (A 404 is a
 * `NotFound` only where the operation documents one: see `routeNotFound.ts`.)
 */
const untyped = (error: RecotapError, typed: ReadonlySet<TypedStatus>): RecotapError =>
  (error._tag === "BadRequest" || error._tag === "Conflict") && !typed.has(error._tag)
    ? TransportError.status(error.method, error.url, STATUS_OF[error._tag], error.message)
    : error

/** Makes every retry visible: a `recotap.retry` event on the operation's span and a debug log line. */
const reportRetry =
  (request: HttpClientRequest.HttpClientRequest, baseUrl: string) =>
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
        Effect.annotateLogs({
          method: request.method,
          url: `${baseUrl}${urlOf(request)}`,
          attempt,
          delayMs: Duration.toMillis(delay)
        })
      )
    })

/** How far a call got, for the error of a deadline that passes. */
interface Progress {
  attempts: number
  inFlight: boolean
  /** Whether an attempt ended in a way that may have been processed (a 500, a reset, a timeout). */
  maybeProcessed: boolean
  last: TransportError | undefined
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

/** Builds the request path of one client from its services. */
export const makeRequestPath = Effect.gen(function*() {
  const config = yield* RecotapConfig
  const client = makeRecotapHttpClient(yield* HttpClient.HttpClient, config)
  const authorize = makeAuthorize(yield* ApiKey)
  const limiter = yield* makeLimiter(config.rateLimit)
  const pause = makePause()
  const scrub = makeScrubber()
  // How a 404 is read: a `NotFound` only in the documented form, where the operation documents one.
  const unserved = makeRouteNotFound(config)
  const notFoundRules = {
    documented: { documented: true, unserved },
    undocumented: { documented: false, unserved }
  } as const

  /** Reads one response into the payload or the error it means, the key blanked out of it. */
  const read = <A>(
    response: HttpClientResponse.HttpClientResponse,
    decode: Outgoing<A, unknown>["decode"],
    typed: ReadonlySet<TypedStatus>
  ): Effect.Effect<A, RecotapError> =>
    Effect.flatMap(readText(response, config.maxResponseBytes), (text) => {
      const request = response.request
      const toAnswer = (receivedAt: number): Either.Either<A, RecotapError> =>
        Either.mapLeft(
          interpret<A>(
            {
              method: request.method,
              url: urlOf(request),
              status: response.status,
              headers: response.headers,
              text: scrub(text, request.headers[API_KEY_HEADER]),
              receivedAt
            },
            decode,
            typed.has("NotFound") ? notFoundRules.documented : notFoundRules.undocumented
          ),
          (error) => untyped(error, typed)
        )
      // The clock is read only for what needs it: an HTTP-date `Retry-After`.
      return response.headers["retry-after"] === undefined
        ? toAnswer(0)
        : Effect.flatMap(Clock.currentTimeMillis, toAnswer)
    })

  /** Sends one encoded request, with retries, and reads its answer; every failure is typed. */
  const send = <A, E>(outgoing: Outgoing<A, E>): Effect.Effect<A, ReadError | E> => {
    const { method, typed } = outgoing
    const url = `${config.baseUrl}${outgoing.path}`
    return Effect.flatMap(RecotapCallOptions, (options) => {
      const settings = callSettings(config, options)
      const query = Object.entries(outgoing.query).filter((entry): entry is [string, string] => entry[1] !== undefined)
      let request = HttpClientRequest.make(method)(outgoing.path)
      // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a shortcut (no parameters set none)
      if (query.length > 0) request = HttpClientRequest.setUrlParams(request, query)
      if (outgoing.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, outgoing.body)
      const fullUrl = () => `${config.baseUrl}${urlOf(request)}`
      const timeout = settings.timeout
      /** One attempt through `via`: pace, pause, send, read, all within the attempt's timeout. */
      const attempt = (via: RecotapHttpClient, signed: HttpClientRequest.HttpClientRequest) => {
        const once = Effect.zipRight(
          pause.wait(settings.retry.maxRetryAfter, method, fullUrl),
          Effect.flatMap(via.execute(signed), (response) => read(response, outgoing.decode, typed)).pipe(
            Effect.timeoutFail({
              duration: timeout,
              onTimeout: () =>
                TransportError.timeout(method, fullUrl(), `no complete answer within ${Duration.format(timeout)}`)
            })
          )
        )
        return limiter === undefined ? once : limiter(once)
      }
      /**
       * The key, asked once within its own timeout (a key source that does not answer is
       * `MissingApiKey`, not a request that timed out, and nothing was sent); then the attempts,
       * each seen by `observe`.
       */
      const attempts = (
        via: RecotapHttpClient,
        observe: (once: Effect.Effect<A, RecotapError>) => Effect.Effect<A, RecotapError> = identity
      ) =>
        Effect.flatMap(
          authorize(request, timeout),
          (signed) =>
            retrying(observe(attempt(via, signed)), settings.retry, outgoing.safety, {
              onBackOff: pause.extend,
              onRetry: reportRetry(request, config.baseUrl)
            })
        )
      const deadline = settings.deadline
      const call = deadline === undefined ? attempts(client) : Effect.suspend(() => {
        // What the deadline needs to know: requests that left (the key set, the pace and pause
        // passed), one in flight, the history. The deadline covers the key source too.
        const progress: Progress = { attempts: 0, inFlight: false, maybeProcessed: false, last: undefined }
        const tracked = HttpClient.tapRequest(client, () =>
          Effect.sync(() => {
            progress.attempts += 1
            progress.inFlight = true
          }))
        const observe = (once: Effect.Effect<A, RecotapError>) =>
          Effect.tapError(once, (error) =>
            Effect.sync(() => {
              progress.inFlight = false
              if (error instanceof TransportError) {
                progress.maybeProcessed ||= error.notProcessed !== true
                progress.last = error
              }
            }))
        return Effect.timeoutFail(attempts(tracked, observe), {
          duration: deadline,
          onTimeout: () => deadlinePassed(method, fullUrl(), deadline, progress)
        })
      })
      return call as Effect.Effect<A, ReadError | E>
    }).pipe(
      Effect.withSpan(`RecotapCrm.${outgoing.operation}`, {
        kind: "client",
        // A stack trace per call costs more than the rest of the span; the operation names the place.
        // Stryker disable next-line BooleanLiteral: equivalent, a cost (the span is the same without the trace)
        captureStackTrace: false,
        attributes: { "recotap.operation": outgoing.operation, "http.request.method": method, "url.full": url }
      })
    )
  }

  /** Encodes a declared endpoint's parameters (nothing is sent when they are invalid), then sends. */
  const execute = <Params, A, E>(endpoint: Endpoint<Params, A, E>, params: Params): Effect.Effect<A, ReadError | E> => {
    const path = endpoint.path(params)
    const encoded = endpoint.encode(params)
    if (Either.isLeft(encoded)) {
      const url = `${config.baseUrl}${path}`
      return Effect.fail(invalidInput(endpoint.method, url, encoded.left, endpoint.typed) as ReadError | E)
    }
    return send<A, E>({
      operation: endpoint.operation,
      method: endpoint.method,
      path,
      query: encoded.right.query,
      body: encoded.right.body,
      decode: endpoint.decode,
      typed: endpoint.typed,
      safety: endpoint.safety
    })
  }

  return { baseUrl: config.baseUrl, revision: config.revision, send, execute } as const
})

/**
 * What parameters that fail their schema become: a `BadRequest` listing the violations as the
 * API would, where the operation keeps 400s typed; a `TransportError` (`InvalidRequest`)
 * otherwise, so that a read's union stays three tags.
 */
const invalidInput = (method: string, url: string, error: ParseResult.ParseError, typed: ReadonlySet<TypedStatus>) =>
  typed.has("BadRequest")
    ? new BadRequest({ method, url, serverMessage: "Bad Request", origin: "client", violations: toViolations(error) })
    : TransportError.invalidRequest(method, url, `the request could not be built: ${describeParseError(error)}`)

/** The request path of one client. */
export type RequestPath = Effect.Effect.Success<typeof makeRequestPath>
