/**
 * One attempt at one request: send it, follow same-origin redirects, read the body within the
 * size cap, all within the per-attempt timeout; log it. Redirects to another origin (or from
 * https to http) are refused, so that the key only ever goes to the configured origin.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpBody from "@effect/platform/HttpBody"
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import type { RecotapSettings } from "../RecotapConfig.js"
import { TransportError } from "../RecotapError.js"
import type { Answer } from "./answer.js"
import { truncate } from "./envelope.js"

const REDIRECTS: ReadonlyArray<number> = [301, 302, 303, 307, 308]

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9`: an error and its causes, one line. */
const describeCause = (cause: unknown): string => {
  const parts: Array<string> = []
  for (let current = cause, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    parts.push(current instanceof Error ? current.message : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.length === 0 ? "unknown cause" : truncate(parts.join(": "))
}

/** Connection errors that mean the request never left: nothing was sent. */
const NEVER_SENT_CODES: ReadonlyArray<string> = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"]

/** The `code`s along an error's cause chain (`ECONNREFUSED`, ...). */
const codesOf = (cause: unknown): ReadonlyArray<string> => {
  const codes: Array<string> = []
  for (let current = cause, depth = 0; typeof current === "object" && current !== null && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") codes.push(code)
    current = (current as { cause?: unknown }).cause
  }
  return codes
}

/** The full URL of a request, query included. */
export const urlOf = (request: HttpClientRequest.HttpClientRequest): string =>
  request.urlParams.length === 0 ? request.url : `${request.url}?${UrlParams.toString(request.urlParams)}`

/** Builds the attempt function of one client. */
export const makeTransport = (client: HttpClient.HttpClient, config: RecotapSettings) => {
  const origin = new URL(config.baseUrl).origin

  const failure = (
    request: HttpClientRequest.HttpClientRequest,
    reason: TransportError["reason"],
    detail: string,
    extra: { readonly status?: number; readonly cause?: unknown; readonly notProcessed?: boolean } = {}
  ) => new TransportError({ reason, method: request.method, url: urlOf(request), detail, ...extra })

  // fetch follows redirects itself, custom headers and all: make it hand them to us instead.
  const withManualRedirects = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    Effect.flatMap(Effect.serviceOption(FetchHttpClient.RequestInit), (init) =>
      Effect.provideService(effect, FetchHttpClient.RequestInit, {
        ...Option.getOrElse(init, () => ({})),
        redirect: "manual"
      }))

  /** Reads the body as text, failing once it grows past the cap. */
  const readCapped = (request: HttpClientRequest.HttpClientRequest, response: HttpClientResponse.HttpClientResponse) => {
    const tooLarge = () =>
      failure(request, "Decode", `the response is larger than the ${config.maxResponseBytes}-byte cap`, {
        status: response.status
      })
    const declared = Number(response.headers["content-length"])
    if (Number.isFinite(declared) && declared > config.maxResponseBytes) return Effect.fail(tooLarge())
    return response.stream.pipe(
      Stream.catchAll((error) =>
        error.reason === "EmptyBody"
          ? Stream.empty
          : Stream.fail(failure(request, "Transport", `the response body could not be read: ${describeCause(error.cause)}`, {
            status: response.status,
            cause: error.cause
          }))
      ),
      Stream.runFoldEffect({ size: 0, chunks: Chunk.empty<Uint8Array>() }, (read, chunk) =>
        read.size + chunk.length > config.maxResponseBytes
          ? Effect.fail(tooLarge())
          : Effect.succeed({ size: read.size + chunk.length, chunks: Chunk.append(read.chunks, chunk) })),
      Effect.map(({ chunks, size }) => {
        const bytes = new Uint8Array(size)
        let offset = 0
        for (const chunk of chunks) {
          bytes.set(chunk, offset)
          offset += chunk.length
        }
        return new TextDecoder().decode(bytes)
      })
    )
  }

  /** Sends, following at most `redirectsLeft` same-origin redirects. */
  const send = (
    request: HttpClientRequest.HttpClientRequest,
    redirectsLeft: number
  ): Effect.Effect<Answer, TransportError> =>
    Effect.gen(function*() {
      const response = yield* withManualRedirects(client.execute(request)).pipe(
        // The platform's error holds the request, headers included: keep only its cause.
        Effect.mapError((error) =>
          failure(request, "Transport", `the request failed: ${describeCause(error.cause)}`, {
            cause: error.cause,
            ...(codesOf(error.cause).some((code) => NEVER_SENT_CODES.includes(code)) ? { notProcessed: true } : {})
          })
        )
      )
      const location = response.headers["location"]
      if (REDIRECTS.includes(response.status) && location !== undefined) {
        const target = new URL(location, urlOf(request))
        if (target.origin !== origin) {
          const why = target.protocol === "http:" && origin.startsWith("https:") ? "a downgrade to http" : "another origin"
          return yield* Effect.fail(failure(
            request,
            "Redirect",
            `refused to follow a redirect to ${why} (${target.origin}): the API key is only sent to ${origin}`,
            { status: response.status }
          ))
        }
        if (redirectsLeft === 0) {
          return yield* Effect.fail(failure(request, "Redirect", `more than ${config.maxRedirects} redirects`, {
            status: response.status
          }))
        }
        const next = response.status === 303
          ? HttpClientRequest.setMethod(HttpClientRequest.setBody(request, HttpBody.empty), "GET")
          : request
        return yield* send(HttpClientRequest.setUrl(next, target), redirectsLeft - 1)
      }
      const text = yield* readCapped(request, response)
      return {
        method: request.method,
        url: urlOf(request),
        status: response.status,
        headers: response.headers,
        text,
        receivedAt: yield* Clock.currentTimeMillis
      }
    })

  /** One attempt, within `timeout`, logged at debug level. */
  return (request: HttpClientRequest.HttpClientRequest, timeout: Duration.Duration): Effect.Effect<Answer, TransportError> =>
    Effect.timed(Effect.exit(
      send(request, config.maxRedirects).pipe(
        Effect.timeoutFail({
          duration: timeout,
          onTimeout: () => failure(request, "Timeout", `no complete answer within ${Duration.format(timeout)}`)
        })
      )
    )).pipe(
      Effect.tap(([elapsed, exit]) =>
        Effect.logDebug("Recotap request").pipe(Effect.annotateLogs({
          method: request.method,
          url: urlOf(request),
          durationMs: Duration.toMillis(elapsed),
          ...(exit._tag === "Success" ? { status: exit.value.status } : { failed: "no usable answer" })
        }))
      ),
      Effect.flatMap(([, exit]) => exit)
    )
}
