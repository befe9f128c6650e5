/**
 * The Recotap `HttpClient`, composed once per `RecotapCrm` from small combinators over the
 * platform's client: base URL, JSON headers, the key header redacted in the platform's spans,
 * same-origin redirects only, connection failures as `TransportError`s, the Debug log line, and
 * last the user's own `transformClient`. The `X-Api-Key` header is set before a request enters
 * it (`makeAuthorize`), so that the key source's time is not the request's.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as Headers from "@effect/platform/Headers"
import * as HttpBody from "@effect/platform/HttpBody"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Exit from "effect/Exit"
import * as FiberRef from "effect/FiberRef"
import * as LogLevel from "effect/LogLevel"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import type { ApiKeyService } from "../ApiKey.js"
import type { RecotapSettings } from "../RecotapConfig.js"
import type { InvalidApiKey } from "../RecotapError.js"
import { MissingApiKey, TransportError } from "../RecotapError.js"
import { truncate } from "./envelope.js"

/** The header that carries the key. */
export const API_KEY_HEADER = "x-api-key"

/**
 * The Recotap client: a platform `HttpClient` whose failures are already typed. Its requests
 * carry the key already (see {@link makeAuthorize}).
 */
export type RecotapHttpClient = HttpClient.HttpClient.With<TransportError>

/** The full URL of a request, query included. */
export const urlOf = (request: HttpClientRequest.HttpClientRequest): string =>
  request.urlParams.length === 0 ? request.url : `${request.url}?${UrlParams.toString(request.urlParams)}`

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9`: an error and its causes, one line. */
export const describeCause = (cause: unknown): string => {
  const parts: Array<string> = []
  for (let current = cause, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    parts.push(current instanceof Error ? current.message : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.length === 0 ? "unknown cause" : truncate(parts.join(": "))
}

/** Connection errors that mean the request never left: nothing was sent. */
const NEVER_SENT_CODES: ReadonlyArray<string> = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]

/**
 * Whether an error's cause chain proves the request never left: it holds codes, and every one
 * of them says so (a reset whose cause mentions a DNS failure may have sent it).
 */
const neverSent = (cause: unknown): boolean => {
  let codes = 0
  for (let current = cause, depth = 0; typeof current === "object" && current !== null && depth < 5; depth++) {
    const code = "code" in current ? current.code : undefined
    if (typeof code === "string") {
      if (!NEVER_SENT_CODES.includes(code)) return false
      codes += 1
    }
    current = "cause" in current ? current.cause : undefined
  }
  return codes > 0
}

const REDIRECTS: ReadonlyArray<number> = [301, 302, 303, 307, 308]

/** Resolves the endpoints' paths against the base URL. */
const withBaseUrl = (baseUrl: string) => <E>(client: HttpClient.HttpClient.With<E>): HttpClient.HttpClient.With<E> =>
  HttpClient.mapRequest(client, HttpClientRequest.prependUrl(baseUrl))

/** Every request says JSON: `Accept`, and `Content-Type` on a GET too, as the reference's examples do. */
const withJsonHeaders = <E>(client: HttpClient.HttpClient.With<E>): HttpClient.HttpClient.With<E> =>
  HttpClient.mapRequest(client, (request) =>
    HttpClientRequest.acceptJson(
      // Stryker disable next-line ConditionalExpression: equivalent, every body sent is JSON, its Content-Type already application/json
      request.body._tag === "Empty" ? HttpClientRequest.setHeader(request, "content-type", "application/json") : request
    ))

/** Sets a request's key header: what the key is checked and timed for. */
export type Authorize = (
  request: HttpClientRequest.HttpClientRequest,
  timeout: Duration.Duration
) => Effect.Effect<HttpClientRequest.HttpClientRequest, MissingApiKey | InvalidApiKey>

/**
 * Sets `X-Api-Key`, the only place the key leaves its `Redacted`. A fixed key (`ApiKey.layer`,
 * `layerConfig`) is used as is; a key source must answer within `timeout`, its own budget (the
 * request's timer starts once the key is there), or it is `MissingApiKey`.
 */
export const makeAuthorize = (apiKey: ApiKeyService): Authorize => {
  const set = (request: HttpClientRequest.HttpClientRequest, key: Redacted.Redacted<string>) =>
    HttpClientRequest.setHeader(request, API_KEY_HEADER, Redacted.value(key))
  const fixed = apiKey.fixed
  // Stryker disable next-line ConditionalExpression,BlockStatement: equivalent, a cost (a fixed key answers at once: no timeout could fire)
  if (fixed !== undefined) {
    return (request) =>
      Either.match(fixed, { onLeft: Effect.fail, onRight: (key) => Effect.succeed(set(request, key)) })
  }
  return (request, timeout) =>
    Effect.timeoutFail(apiKey.get, {
      duration: timeout,
      onTimeout: () =>
        new MissingApiKey({
          reason: "SourceFailed",
          detail: `the API key source did not answer within ${Duration.format(timeout)}`
        })
    }).pipe(Effect.map((key) => set(request, key)))
}

/** The key header is redacted in the platform's own spans, whatever the application configured. */
const withKeyHeaderRedacted = <E>(client: HttpClient.HttpClient.With<E>): HttpClient.HttpClient.With<E> =>
  HttpClient.transform(client, (effect) =>
    Effect.locallyWith(
      effect,
      Headers.currentRedactedNames,
      (names) => (names.includes(API_KEY_HEADER) ? names : [...names, API_KEY_HEADER])
    ))

/** `fetch` follows redirects itself, custom headers and all: make it hand them to us instead. */
const withManualRedirects = <E>(client: HttpClient.HttpClient.With<E>): HttpClient.HttpClient.With<E> =>
  HttpClient.transform(
    client,
    (effect) =>
      Effect.flatMap(
        Effect.serviceOption(FetchHttpClient.RequestInit),
        (init) =>
          Effect.provideService(effect, FetchHttpClient.RequestInit, {
            ...Option.getOrUndefined(init),
            redirect: "manual"
          })
      )
  )

/**
 * A connection failure (or a request the platform could not make) as a `TransportError`: the
 * platform's error holds the request, headers included, so only its cause is kept.
 */
const withTransportErrors = (client: HttpClient.HttpClient): HttpClient.HttpClient.With<TransportError> =>
  HttpClient.catchAll(client, (error) =>
    Effect.fail(TransportError.transport(
      error.request.method,
      urlOf(error.request),
      `the request failed: ${describeCause(error.cause)}`,
      error.cause,
      neverSent(error.cause)
    )))

/**
 * Follows at most `max` redirects, and only to the base URL's origin, so that the key only ever
 * goes there; a 303 becomes a body-less GET.
 */
const followSameOriginRedirects =
  (origin: string, max: number) =>
  <E>(client: HttpClient.HttpClient.With<E>): HttpClient.HttpClient.With<E | TransportError> => {
    const follow = (
      response: HttpClientResponse.HttpClientResponse,
      request: HttpClientRequest.HttpClientRequest,
      left: number
    ): Effect.Effect<HttpClientResponse.HttpClientResponse, E | TransportError> => {
      const location = response.headers["location"]
      if (!REDIRECTS.includes(response.status) || location === undefined) return Effect.succeed(response)
      const target = new URL(location, urlOf(request))
      if (target.origin !== origin) {
        const why = target.protocol === "http:" && origin.startsWith("https:")
          ? "a downgrade to http"
          : "another origin"
        return Effect.fail(TransportError.redirect(
          request.method,
          urlOf(request),
          response.status,
          `refused to follow a redirect to ${why} (${target.origin}): the API key is only sent to ${origin}`
        ))
      }
      if (left === 0) {
        return Effect.fail(
          TransportError.redirect(request.method, urlOf(request), response.status, `more than ${max} redirects`)
        )
      }
      const next = HttpClientRequest.setUrl(
        response.status === 303
          ? HttpClientRequest.setMethod(HttpClientRequest.setBody(request, HttpBody.empty), "GET")
          : request,
        target
      )
      return Effect.flatMap(client.execute(next), (answer) => follow(answer, next, left - 1))
    }
    return HttpClient.transform(
      client,
      (effect, request) => Effect.flatMap(effect, (response) => follow(response, request, max))
    )
  }

/** One Debug line per request (method, URL, status, duration), built only when Debug is on. */
const withDebugLog = <E>(client: HttpClient.HttpClient.With<E>): HttpClient.HttpClient.With<E> =>
  HttpClient.transform(
    client,
    (effect, request) =>
      Effect.flatMap(FiberRef.get(FiberRef.currentMinimumLogLevel), (minimum) => {
        // Stryker disable next-line ConditionalExpression: equivalent, a cost (a Debug line below the minimum level is dropped anyway)
        if (LogLevel.greaterThan(minimum, LogLevel.Debug)) return effect
        return Effect.flatMap(Clock.currentTimeMillis, (start) =>
          Effect.onExit(effect, (exit) =>
            Effect.flatMap(Clock.currentTimeMillis, (end) =>
              Effect.logDebug("Recotap request").pipe(Effect.annotateLogs({
                method: request.method,
                url: urlOf(request),
                durationMs: end - start,
                ...(Exit.isSuccess(exit) ? { status: exit.value.status } : { failed: "no usable answer" })
              })))))
      })
  )

/** Composes the Recotap client over the platform's, once per `RecotapCrm`. */
export const makeRecotapHttpClient = (
  platform: HttpClient.HttpClient,
  settings: RecotapSettings
): RecotapHttpClient => {
  // Innermost first: the redirect guard sees every hop, the log line every request.
  const sending = followSameOriginRedirects(new URL(settings.baseUrl).origin, settings.maxRedirects)(
    withTransportErrors(withManualRedirects(withKeyHeaderRedacted(platform)))
  )
  const client: RecotapHttpClient = sending.pipe(
    withDebugLog,
    withJsonHeaders,
    withBaseUrl(settings.baseUrl)
  )
  return settings.transformClient === undefined ? client : settings.transformClient(client)
}
