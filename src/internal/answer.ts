/** Reading an HTTP answer: a decoded payload for a 2xx, the error a caller can act on otherwise. */
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type * as Schema from "effect/Schema"
import {
  BadRequest,
  Conflict,
  InvalidApiKey,
  MissingApiKey,
  NotFound,
  type RecotapError,
  TransportError
} from "../RecotapError.js"
import { decodePayload, readErrorBody, summariseText, truncate } from "./envelope.js"
import { describeParseError } from "./parseError.js"
import { parseRetryAfter } from "./retry.js"

/** Statuses a service answers before processing a request: it was not applied. */
const REFUSED_BEFORE_PROCESSING: ReadonlyArray<number> = [429, 503]

/** An HTTP answer, its body read as text. */
export interface Answer {
  readonly method: string
  readonly url: string
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly text: string
  /** When it arrived (epoch millis), to read an HTTP-date `Retry-After`. */
  readonly receivedAt: number
}

const parseJson = (text: string): Option.Option<unknown> => {
  try {
    return Option.some(JSON.parse(text))
  } catch {
    return Option.none()
  }
}

const ROUTE_NOT_FOUND = /\bCannot (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/\S*/

/**
 * The framework's "no such route" text of a 404 (`Cannot PUT /api/v1/crm/accounts/x`, as JSON
 * `message` without `customMessage`, or as a bare page), when the answer is one: this base URL
 * does not serve the endpoint, which says nothing about the record.
 */
export const routeNotFound = (answer: Answer): string | undefined => {
  if (answer.status !== 404) return undefined
  const details = Option.flatMap(parseJson(answer.text), readErrorBody)
  if (Option.isSome(details)) {
    return details.value.customMessage === undefined ? ROUTE_NOT_FOUND.exec(details.value.serverMessage)?.[0] : undefined
  }
  return ROUTE_NOT_FOUND.exec(answer.text)?.[0]
}

/** Maps a non-2xx answer to the error a caller can act on. */
const failure = (answer: Answer): RecotapError => {
  const { method, status, text, url } = answer
  const details = Option.flatMap(parseJson(text), readErrorBody)
  const serverMessage = Option.match(details, { onNone: () => summariseText(text), onSome: (d) => d.serverMessage })
  const customMessage = Option.getOrUndefined(Option.flatMap(details, (d) => Option.fromNullable(d.customMessage)))
  const fields = { method, url, serverMessage, ...(customMessage === undefined ? {} : { customMessage }) }
  const said = customMessage ?? (serverMessage === "" ? `HTTP ${status} with no message` : serverMessage)
  switch (status) {
    case 401:
      return /x-api-key header is required/i.test(`${customMessage ?? ""} ${serverMessage}`)
        ? new MissingApiKey({ reason: "RejectedByServer", detail: `the server says: ${said}` })
        : new InvalidApiKey({ reason: "RejectedByServer", detail: `the server says: ${said}`, method, url })
    case 400:
      return new BadRequest({
        ...fields,
        origin: "server",
        violations: Option.match(details, { onNone: () => [], onSome: (d) => d.violations })
      })
    case 404:
      return new NotFound(fields)
    case 409:
      return new Conflict(fields)
    default: {
      const retryAfter = parseRetryAfter(answer.headers["retry-after"], answer.receivedAt)
      return new TransportError({
        reason: "StatusCode",
        method,
        url,
        status,
        detail: said,
        ...(Option.isSome(retryAfter) ? { retryAfterMillis: retryAfter.value } : {}),
        ...(REFUSED_BEFORE_PROCESSING.includes(status) ? { notProcessed: true } : {})
      })
    }
  }
}

/** Decodes a 2xx answer's payload with `schema`, or fails with the error its status means. */
export const interpret = <A, I>(schema: Schema.Schema<A, I>) => {
  const decode = decodePayload(schema)
  return (answer: Answer): Effect.Effect<A, RecotapError> => {
    if (answer.status < 200 || answer.status >= 300) return Effect.fail(failure(answer))
    const decodeFailure = (detail: string) =>
      new TransportError({ reason: "Decode", method: answer.method, url: answer.url, status: answer.status, detail })
    // A 204, or an empty 200: the payload is `undefined`, which only a schema that allows it takes.
    if (answer.text.trim() === "") {
      return Effect.mapError(decode(undefined), () => decodeFailure("the response body is empty"))
    }
    return Option.match(parseJson(answer.text), {
      onNone: () => Effect.fail(decodeFailure(`the response is not JSON: ${summariseText(answer.text)}`)),
      onSome: (body) =>
        Effect.mapError(decode(body), (error) => decodeFailure(`unexpected response shape: ${truncate(describeParseError(error))}`))
    })
  }
}
