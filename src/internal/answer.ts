/** Reading an HTTP answer: a decoded payload for a 2xx, the error a caller can act on otherwise. */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as ParseResult from "effect/ParseResult"
import { BadRequest, Conflict, InvalidApiKey, MissingApiKey, NotFound, TransportError } from "../RecotapError.js"
import type { AnswerError } from "./endpoint.js"
import { parseJson, readErrorBody, summariseText, truncate } from "./envelope.js"
import { describeParseError } from "./parseError.js"
import { parseRetryAfter } from "./pause.js"
import { unservedRoute } from "./routeNotFound.js"

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

/** How a 404 is read: whether the endpoint documents one, and the error of one that found no route. */
export interface NotFoundRule {
  /** The endpoint documents a 404 ("no such record"): its documented body is a `NotFound`. */
  readonly documented: boolean
  readonly unserved: (method: string, url: string, said: string) => TransportError
}

/** Maps a non-2xx answer to the error a caller can act on. */
const failure = (answer: Answer, notFound: NotFoundRule): AnswerError => {
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
    case 404: {
      const said = unservedRoute(text, notFound.documented)
      return said === undefined ? new NotFound(fields) : notFound.unserved(method, url, said)
    }
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
 * otherwise. A 404 is a `NotFound` only in its documented form (see `routeNotFound.ts`);
 * any other is `notFound.unserved`'s error.
 */
export const interpret = <A>(
  answer: Answer,
  decode: (body: unknown) => Either.Either<A, ParseResult.ParseError>,
  notFound: NotFoundRule
): Either.Either<A, AnswerError> => {
  if (answer.status < 200 || answer.status >= 300) return Either.left(failure(answer, notFound))
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
