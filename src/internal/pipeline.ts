/**
 * The one request pipeline every endpoint goes through: parameter encoding, URL, `X-Api-Key`,
 * JSON headers, timeout, envelope unwrap, error mapping, span and debug log.
 */
import * as Headers from "@effect/platform/Headers"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as UrlParams from "@effect/platform/UrlParams"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ApiKey } from "../ApiKey.js"
import { RecotapConfig } from "../RecotapConfig.js"
import {
  BadRequest,
  Conflict,
  InvalidApiKey,
  MissingApiKey,
  NotFound,
  type ReadError,
  type RecotapError,
  TransportError
} from "../RecotapError.js"
import { decodePayload, readErrorBody, summariseText, truncate } from "./envelope.js"
import { describeParseError, toViolations } from "./parseError.js"

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

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

/** `fetch failed: connect ECONNREFUSED 127.0.0.1:9`: an error and its causes, one line. */
const describeCause = (cause: unknown): string => {
  const parts: Array<string> = []
  for (let current = cause, depth = 0; current !== undefined && current !== null && depth < 4; depth++) {
    parts.push(current instanceof Error ? current.message : String(current))
    current = current instanceof Error ? current.cause : undefined
  }
  return parts.length === 0 ? "unknown cause" : truncate(parts.join(": "))
}

const isSuccess = (status: number) => status >= 200 && status < 300

/** Turns a 400/404/409 into a `TransportError`: on a read, they are not something to act on. */
export const asTransportError = (error: BadRequest | NotFound | Conflict): TransportError =>
  new TransportError({
    reason: "StatusCode",
    method: error.method,
    url: error.url,
    status: error._tag === "BadRequest" ? 400 : error._tag === "NotFound" ? 404 : 409,
    detail: error.message
  })

/** Builds the pipeline from the client's services. */
export const makePipeline = Effect.gen(function*() {
  const client = yield* HttpClient.HttpClient
  const apiKey = yield* ApiKey
  const config = yield* RecotapConfig

  /** Maps a non-2xx answer to the error a caller can act on. */
  const failFromStatus = (
    method: string,
    url: string,
    response: HttpClientResponse.HttpClientResponse,
    text: string
  ): Effect.Effect<never, RecotapError> => {
    const status = response.status
    const details = Option.flatMap(parseJson(text), readErrorBody)
    const serverMessage = Option.match(details, { onNone: () => summariseText(text), onSome: (d) => d.serverMessage })
    const customMessage = Option.getOrUndefined(Option.flatMap(details, (d) => Option.fromNullable(d.customMessage)))
    const answer = { method, url, serverMessage, ...(customMessage === undefined ? {} : { customMessage }) }
    const said = customMessage ?? (serverMessage === "" ? `HTTP ${status} with no message` : serverMessage)
    switch (status) {
      case 401:
        return /x-api-key header is required/i.test(`${customMessage ?? ""} ${serverMessage}`)
          ? Effect.fail(new MissingApiKey({ reason: "RejectedByServer", detail: `the server says: ${said}` }))
          : Effect.fail(
            new InvalidApiKey({ reason: "RejectedByServer", detail: `the server says: ${said}`, method, url })
          )
      case 400:
        return Effect.fail(
          new BadRequest({
            ...answer,
            origin: "server",
            violations: Option.match(details, { onNone: () => [], onSome: (d) => d.violations })
          })
        )
      case 404:
        return Effect.fail(new NotFound(answer))
      case 409:
        return Effect.fail(new Conflict(answer))
      default:
        return Effect.fail(
          new TransportError({ reason: "StatusCode", method, url, status, detail: said })
        )
    }
  }

  /** Sends one request and decodes its answer; every failure is typed. */
  const execute = <Params, A>(endpoint: Endpoint<Params, A>, params: Params): Effect.Effect<A, RecotapError> => {
    const method = endpoint.method
    const baseUrl = `${config.baseUrl}${typeof endpoint.path === "string" ? endpoint.path : endpoint.path(params)}`
    const decode = decodePayload(endpoint.response)
    const invalidInput = (error: ParseResult.ParseError): TransportError | BadRequest =>
      endpoint.invalidInput === "BadRequest"
        ? new BadRequest({
          method,
          url: baseUrl,
          serverMessage: "Bad Request",
          origin: "client",
          violations: toViolations(error)
        })
        : new TransportError({
          reason: "InvalidRequest",
          method,
          url: baseUrl,
          detail: `the request could not be built: ${describeParseError(error)}`
        })
    const encode = <I>(schema: Schema.Schema<Params, I>) =>
      Schema.encode(schema)(params, { onExcessProperty: "error" }).pipe(Effect.mapError(invalidInput))

    return Effect.gen(function*() {
      const query = endpoint.query === undefined ? {} : yield* encode(endpoint.query)
      const body = endpoint.body === undefined ? Option.none() : Option.some(yield* encode(endpoint.body))
      const key = yield* apiKey.get
      const request = HttpClientRequest.make(method)(baseUrl).pipe(
        HttpClientRequest.setUrlParams(Object.entries(query).filter((entry): entry is [string, string] =>
          entry[1] !== undefined
        )),
        HttpClientRequest.acceptJson,
        (request) => Option.match(body, { onNone: () => request, onSome: (json) => HttpClientRequest.bodyUnsafeJson(request, json) }),
        HttpClientRequest.setHeader(API_KEY_HEADER, Redacted.value(key))
      )
      const url = request.urlParams.length === 0 ? baseUrl : `${baseUrl}?${UrlParams.toString(request.urlParams)}`
      const failAt = (reason: TransportError["reason"], detail: string, extra: { status?: number; cause?: unknown } = {}) =>
        new TransportError({ reason, method, url, detail, ...extra })

      const [elapsed, answer] = yield* Effect.timed(Effect.exit(
        client.execute(request).pipe(
          Effect.flatMap((response) => Effect.map(response.text, (text) => [response, text] as const)),
          // The platform error holds the request, headers included: keep only its own cause.
          Effect.catchTags({
            RequestError: (error) =>
              Effect.fail(failAt("Transport", `the request failed: ${describeCause(error.cause)}`, { cause: error.cause })),
            ResponseError: (error) =>
              Effect.fail(failAt("Transport", `the response body could not be read: ${describeCause(error.cause)}`, {
                status: error.response.status,
                cause: error.cause
              }))
          }),
          Effect.timeoutFail({
            duration: config.timeout,
            onTimeout: () => failAt("Timeout", `no complete answer within ${Duration.format(config.timeout)}`)
          })
        )
      ))
      yield* Effect.logDebug("Recotap request").pipe(
        Effect.annotateLogs({
          method,
          url,
          durationMs: Duration.toMillis(elapsed),
          ...(answer._tag === "Success" ? { status: answer.value[0].status } : { failed: "no response" })
        })
      )
      const [response, text] = yield* answer
      if (!isSuccess(response.status)) {
        return yield* failFromStatus(method, url, response, text)
      }
      const answerJson = parseJson(text)
      if (Option.isNone(answerJson)) {
        return yield* Effect.fail(
          failAt("Decode", `the response is not JSON: ${summariseText(text)}`, { status: response.status })
        )
      }
      return yield* decode(answerJson.value).pipe(
        Effect.mapError((error) =>
          failAt("Decode", `unexpected response shape: ${truncate(describeParseError(error))}`, {
            status: response.status
          })
        )
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

  return { baseUrl: config.baseUrl, execute, read } as const
})

/** The request pipeline of one client. */
export type Pipeline = Effect.Effect.Success<typeof makePipeline>
