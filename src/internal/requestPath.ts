/**
 * The one request path every operation goes through, composed in one place (`makeSend`): a
 * declared endpoint's parameters encoded, one request built and its key set, then each attempt
 * sent through the Recotap `HttpClient` (see `httpClient.ts`) and its answer read (`body.ts`)
 * and interpreted (`answer.ts`) within the attempt's timeout, after the client-wide pause
 * (`pause.ts`), at the client's pace (`rateLimiter.ts`; both kept per client or shared, see
 * `coordination.ts`); the attempts retried by the policy (`retry.ts`) within the call's deadline
 * (`deadline.ts`); one span per operation; each request counted and timed (`measure.ts`).
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
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import { ApiKey } from "../ApiKey.js"
import { type CallOptions, RecotapCallOptions } from "../RecotapCallOptions.js"
import { RecotapConfig, type RecotapSettings, resolveSettings, type RetryPolicy } from "../RecotapConfig.js"
import { BadRequest, type ReadError, TransportError } from "../RecotapError.js"
import { interpret } from "./answer.js"
import { readText } from "./body.js"
import { type ClientBudget, clientBudget } from "./coordination.js"
import { withinDeadline } from "./deadline.js"
import type { AnswerError, Endpoint, Outgoing, TypedStatuses } from "./endpoint.js"
import {
  API_KEY_HEADER,
  type Authorize,
  makeAuthorize,
  makeRecotapHttpClient,
  type RecotapHttpClient,
  urlOf
} from "./httpClient.js"
import { countRetry, measuredPause, measuredRequest } from "./measure.js"
import { describeParseError, toViolations } from "./parseError.js"
import type { Pause } from "./pause.js"
import { type RetryHooks, retrying, type RetrySafety } from "./retry.js"
import { makeRouteNotFound } from "./routeNotFound.js"
import { makeScrubber } from "./scrubKey.js"

/** What one call may change of the client's settings. */
type CallSettings = Pick<RecotapSettings, "timeout" | "retry" | "deadline">

/** The client's settings with one call's overrides; invalid overrides are a defect (a bug in the caller). */
const callSettings = (config: RecotapSettings, call: CallOptions): CallSettings => {
  // Stryker disable next-line ConditionalExpression: equivalent, a shortcut (no overrides change no setting)
  if (call.retry === undefined && call.timeout === undefined && call.deadline === undefined) return config
  const deadline = call.deadline ?? config.deadline
  return Either.getOrThrowWith(
    resolveSettings({
      timeout: call.timeout ?? config.timeout,
      retry: { ...config.retry, ...call.retry },
      // Stryker disable next-line ConditionalExpression: equivalent, a `deadline` of `undefined` is none
      ...(deadline === undefined ? {} : { deadline })
    }),
    (message) => new Error(`Invalid RecotapCallOptions: ${message}`)
  )
}

const STATUS_OF = { BadRequest: 400, NotFound: 404, Conflict: 409 } as const

/**
 * The error as the operation's union has it: a 400 or 409 it does not keep typed is not
 * something to act on there, so a `TransportError`. (A 404 is a `NotFound` only where the
 * operation documents one, see `routeNotFound.ts`; `interpret` gives no other.)
 */
const keepTyped = <E>(error: AnswerError, typed: TypedStatuses<E>): ReadError | E => {
  if (
    error._tag !== "BadRequest" && error._tag !== "Conflict" &&
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent, only an operation that keeps a NotFound gets one (`interpret`)
    error._tag !== "NotFound"
  ) return error
  return typed.keeps(error)
    ? error
    : TransportError.status(error.method, error.url, STATUS_OF[error._tag], error.message)
}

/** Makes every retry visible: a `recotap.retry` event on the operation's span, a debug log line, a count. */
const reportRetry =
  (request: HttpClientRequest.HttpClientRequest, baseUrl: string, operation: string) =>
  (error: TransportError, attempt: number, delay: Duration.Duration): Effect.Effect<void> =>
    Effect.gen(function*() {
      yield* countRetry(operation, error.reason, error.retryAfterMillis === undefined ? undefined : delay)
      const span = yield* Effect.option(Effect.currentSpan)
      const attributes = {
        "recotap.attempt": attempt,
        "recotap.retry.reason": error.reason,
        "recotap.retry.delay_ms": Duration.toMillis(delay),
        ...(error.status === undefined ? {} : { "http.response.status_code": error.status })
      }
      // Stryker disable next-line ConditionalExpression: equivalent, a retry always runs within the operation's span
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

/** The request of one call: method, path, query and body, the key not set yet. */
const buildRequest = (outgoing: Outgoing<unknown, unknown>): HttpClientRequest.HttpClientRequest => {
  // `setUrlParams` leaves a parameter of value `undefined` out.
  const query = Object.entries(outgoing.query)
  let request = HttpClientRequest.make(outgoing.method)(outgoing.path)
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a shortcut (no parameters set none)
  if (query.length > 0) request = HttpClientRequest.setUrlParams(request, query)
  if (outgoing.body !== undefined) request = HttpClientRequest.bodyUnsafeJson(request, outgoing.body)
  return request
}

/** Reads one response into the payload or the error it means. */
type Read = <A, E>(
  response: HttpClientResponse.HttpClientResponse,
  decode: Outgoing<A, E>["decode"],
  typed: TypedStatuses<E>
) => Effect.Effect<A, ReadError | E>

/** How one client reads a response: within its size cap, the key blanked out of the text first. */
const makeRead = (config: RecotapSettings): Read => {
  const scrub = makeScrubber()
  // How a 404 is read: a `NotFound` only in the documented form, where the operation documents one.
  const unserved = makeRouteNotFound(config)
  const notFoundRules = {
    documented: { documented: true, unserved },
    undocumented: { documented: false, unserved }
  } as const
  return (response, decode, typed) =>
    Effect.flatMap(readText(response, config.maxResponseBytes), (text) => {
      const request = response.request
      const toAnswer = (receivedAt: number) =>
        Either.mapLeft(
          interpret(
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
          (error) => keepTyped(error, typed)
        )
      // The clock is read only for what needs it: an HTTP-date `Retry-After`.
      // Stryker disable next-line ConditionalExpression: equivalent, a cost (reading the clock changes no answer)
      return response.headers["retry-after"] === undefined
        ? toAnswer(0)
        : Effect.flatMap(Clock.currentTimeMillis, toAnswer)
    })
}

// The steps of the path, each a combinator over what it wraps.

/** An attempt bounded by `timeout`: no complete answer within it is a `Timeout`. */
const withTimeout =
  (timeout: Duration.Duration, method: string, url: () => string) =>
  <A, E>(attempt: Effect.Effect<A, E>): Effect.Effect<A, E | TransportError> =>
    Effect.timeoutFail(attempt, {
      duration: timeout,
      onTimeout: () => TransportError.timeout(method, url(), `no complete answer within ${Duration.format(timeout)}`)
    })

/** An attempt made once the client-wide pause is over (a pause longer than `maxWait` fails it at once, unsent). */
const afterPause =
  (pause: Pause, maxWait: Duration.Duration, method: string, url: () => string, operation: string) =>
  <A, E>(attempt: Effect.Effect<A, E>): Effect.Effect<A, E | TransportError> =>
    Effect.zipRight(measuredPause(operation, pause.wait(maxWait, method, url)), attempt)

/** The attempt made again, by the policy, while it fails in a way worth another attempt. */
const withRetries =
  (policy: RetryPolicy, safety: RetrySafety, hooks: RetryHooks) =>
  <A, E>(attempt: Effect.Effect<A, E | TransportError>): Effect.Effect<A, E | TransportError> =>
    retrying(attempt, policy, safety, hooks)

/** The call within the operation's span, `RecotapCrm.<operation>`. */
const withOperationSpan = (operation: string, method: string, url: string) =>
  Effect.withSpan(`RecotapCrm.${operation}`, {
    kind: "client",
    // A stack trace per call costs more than the rest of the span; the operation names the place.
    // Stryker disable next-line BooleanLiteral: equivalent, a cost (the span is the same without the trace)
    captureStackTrace: false,
    attributes: { "recotap.operation": operation, "http.request.method": method, "url.full": url }
  })

/** What one client's request path is made of, built once per client. */
interface Parts {
  readonly config: RecotapSettings
  readonly client: RecotapHttpClient
  readonly authorize: Authorize
  /** The client's pace (none without a `rateLimit`) and pause, per key (see `coordination.ts`). */
  readonly budget: ClientBudget
  readonly read: Read
}

/** Sends one encoded request, with retries, and reads its answer; every failure is typed. */
type Send = <A, E>(outgoing: Outgoing<A, E>) => Effect.Effect<A, ReadError | E>

/**
 * The path of one call, step by step. The key is asked once, within its own timeout (a key
 * source that does not answer is `MissingApiKey`, not a request that timed out, and nothing was
 * sent); the deadline covers it too.
 */
const makeSend = ({ authorize, budget, client, config, read }: Parts): Send => <A, E>(outgoing: Outgoing<A, E>) => {
  const { method, operation, safety } = outgoing
  return Effect.flatMap(RecotapCallOptions, (options) => {
    const { deadline, retry, timeout } = callSettings(config, options)
    const request = buildRequest(outgoing)
    const url = () => `${config.baseUrl}${urlOf(request)}`
    return withinDeadline(deadline, method, url, (watch) => {
      const via = watch.client(client)
      return Effect.flatMap(authorize(request, timeout), (signed) => {
        // Stryker disable next-line StringLiteral: equivalent, `authorize` always sets the key header
        const { limit, pause } = budget.forKey(signed.headers[API_KEY_HEADER] ?? "")
        const retryHooks: RetryHooks = {
          onBackOff: pause.extend,
          onRetry: reportRetry(request, config.baseUrl, operation)
        }
        // One request: sent, its answer read within the timeout; counted by status, and timed.
        const attempt = measuredRequest(operation, (answer) =>
          Effect.flatMap(via.execute(signed), (response) => {
            answer.status = response.status
            return read(response, outgoing.decode, outgoing.typed)
          }).pipe(withTimeout(timeout, method, url)))
        return attempt.pipe(
          afterPause(pause, retry.maxRetryAfter, method, url, operation),
          limit,
          watch.attempt,
          withRetries(retry, safety, retryHooks)
        )
      })
    })
  }).pipe(withOperationSpan(operation, method, `${config.baseUrl}${outgoing.path}`))
}

/** Encodes a declared endpoint's parameters (nothing is sent when they are invalid), then sends. */
const makeExecute =
  (baseUrl: string, send: Send) =>
  <Params, A, E>(endpoint: Endpoint<Params, A, E>, params: Params): Effect.Effect<A, ReadError | E> => {
    const path = endpoint.path(params)
    const encoded = endpoint.encode(params)
    if (Either.isLeft(encoded)) {
      const url = `${baseUrl}${path}`
      return Effect.fail(invalidInput(endpoint.method, url, encoded.left, endpoint.typed))
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

/** Builds the request path of one client from its services; its pace lives as long as the scope. */
export const makeRequestPath = Effect.gen(function*() {
  const config = yield* RecotapConfig
  const parts: Parts = {
    config,
    client: makeRecotapHttpClient(yield* HttpClient.HttpClient, config),
    authorize: makeAuthorize(yield* ApiKey),
    budget: yield* clientBudget(config.rateLimit),
    read: makeRead(config)
  }
  const send = makeSend(parts)
  return {
    baseUrl: config.baseUrl,
    revision: config.revision,
    send,
    execute: makeExecute(config.baseUrl, send)
  } as const
})

/**
 * What parameters that fail their schema become: a `BadRequest` listing the violations as the
 * API would, where the operation keeps 400s typed; a `TransportError` (`InvalidRequest`)
 * otherwise, so that a read's union stays three tags.
 */
const invalidInput = <E>(
  method: string,
  url: string,
  error: ParseResult.ParseError,
  typed: TypedStatuses<E>
): TransportError | E => {
  const refused = new BadRequest({
    method,
    url,
    serverMessage: "Bad Request",
    origin: "client",
    violations: toViolations(error)
  })
  return typed.keeps(refused)
    ? refused
    : TransportError.invalidRequest(method, url, `the request could not be built: ${describeParseError(error)}`)
}

/** The request path of one client. */
export type RequestPath = Effect.Effect.Success<typeof makeRequestPath>
