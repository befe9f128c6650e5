/** Reading an HTTP answer: a decoded payload for a 2xx, the error a caller can act on otherwise. */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import {
  BadRequest,
  Conflict,
  InvalidApiKey,
  MissingApiKey,
  NotFound,
  type RecotapError,
  TransportError
} from "../RecotapError.js"
import { readErrorBody, summariseText, truncate } from "./envelope.js"
import { describeParseError } from "./parseError.js"
import { parseRetryAfter } from "./pause.js"

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
const routeNotFound = (answer: Answer): string | undefined => {
  if (answer.status !== 404) return undefined
  const details = Option.flatMap(parseJson(answer.text), readErrorBody)
  if (Option.isSome(details)) {
    return details.value.customMessage === undefined
      ? ROUTE_NOT_FOUND.exec(details.value.serverMessage)?.[0]
      : undefined
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
      // Stryker disable next-line StringLiteral: equivalent, a filler (no customMessage: nothing before the space completes the phrase)
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
    default:
      return TransportError.status(method, url, status, said, {
        retryAfterMillis: Option.getOrUndefined(parseRetryAfter(answer.headers["retry-after"], answer.receivedAt)),
        notProcessed: REFUSED_BEFORE_PROCESSING.includes(status)
      })
  }
}

/**
 * Reads an answer: the payload of a 2xx decoded by `decode`, the error its status means
 * otherwise. A 404 that is the framework's "no such route" becomes `noRoute`'s error.
 */
export const interpret = <A>(
  answer: Answer,
  decode: (body: unknown) => Either.Either<A, ParseResult.ParseError>,
  noRoute: (answer: Answer, said: string) => TransportError
): Either.Either<A, RecotapError> => {
  if (answer.status < 200 || answer.status >= 300) {
    const said = routeNotFound(answer)
    return Either.left(said === undefined ? failure(answer) : noRoute(answer, said))
  }
  const decodeFailure = (detail: string) => TransportError.decode(answer.method, answer.url, detail, answer.status)
  // A 204, or an empty 200: the payload is `undefined`, which only a schema that allows it takes.
  if (answer.text.trim() === "") {
    return Either.mapLeft(decode(undefined), () => decodeFailure("the response body is empty"))
  }
  return Option.match(parseJson(answer.text), {
    onNone: () => Either.left(decodeFailure(`the response is not JSON: ${summariseText(answer.text)}`)),
    onSome: (body) =>
      Either.mapLeft(
        decode(body),
        (error) => decodeFailure(`unexpected response shape: ${truncate(describeParseError(error))}`)
      )
  })
}
