/**
 * An API operation, declared once: method, path, the codecs of its parameters and its answer
 * (compiled when declared), which error statuses stay typed errors, and whether it may be sent
 * again.
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import type * as Schema from "effect/Schema"
import type { BadRequest, Conflict, NotFound } from "../RecotapError.js"
import { decodePayload } from "./envelope.js"
import { fastEncoder } from "./fastCodecs.js"
import type { RetrySafety } from "./retry.js"

/** HTTP methods the API uses. */
export type Method = "GET" | "POST" | "PUT" | "PATCH"

/** Query parameters as they go on the wire. */
export type WireQuery = { readonly [name: string]: string | undefined }

/** The answers (400, 404, 409) an operation may keep as typed errors; elsewhere they are `TransportError`s. */
export type TypedStatus = "BadRequest" | "NotFound" | "Conflict"

/** The error class of a typed status. */
export type TypedError<T extends TypedStatus> =
  | (T extends "BadRequest" ? BadRequest : never)
  | (T extends "NotFound" ? NotFound : never)
  | (T extends "Conflict" ? Conflict : never)

/** Parses a JSON success body into the operation's payload. */
export type PayloadDecoder<A> = (body: unknown) => Either.Either<A, ParseResult.ParseError>

/** One request, ready to send: path and body already encoded. */
export interface Outgoing<A, E> {
  /** Operation name; the span is `RecotapCrm.<operation>`. */
  readonly operation: string
  readonly method: Method
  /** Path relative to the base URL, starting with `/`. */
  readonly path: string
  readonly query: WireQuery
  /** The JSON body, already encoded; `undefined` for none. */
  readonly body: unknown
  readonly decode: PayloadDecoder<A>
  /** Statuses kept as typed errors. */
  readonly typed: ReadonlySet<TypedStatus>
  readonly safety: RetrySafety
  /** Phantom: the typed errors. */
  readonly _E?: E
}

/** What an operation is, declared once. */
export interface EndpointSpec<Params, A, T extends TypedStatus> {
  readonly operation: string
  readonly method: Method
  /** Path relative to the base URL, starting with `/` (a function for paths with a parameter). */
  readonly path: string | ((params: Params) => string)
  /** Encodes (and so checks) the caller's parameters into the query string. */
  readonly query?: Schema.Schema<Params, WireQuery>
  /** Encodes (and so checks) the caller's parameters into the JSON body. */
  readonly body?: Schema.Schema<Params, any>
  /** The payload inside the success envelope. */
  readonly response: Schema.Schema<A, any>
  /**
   * Statuses that stay typed errors (none by default: on a read, a 400, 404 or 409 is not
   * something to act on, so it is a `TransportError`). With `BadRequest`, parameters that fail
   * their schema are a `BadRequest` too; otherwise a `TransportError` (`InvalidRequest`). Either
   * way nothing is sent.
   */
  readonly typed?: ReadonlyArray<T>
  /**
   * Whether it may be sent again on any transient failure (`idempotent`: the default for GET,
   * PUT and PATCH) or only when it provably was not processed (`createOnly`: the default for POST).
   */
  readonly safety?: RetrySafety
}

/** A declared operation, its codecs compiled. */
export interface Endpoint<Params, A, E> {
  readonly operation: string
  readonly method: Method
  readonly path: (params: Params) => string
  /** The query and body of a call, or why the parameters cannot be sent. */
  readonly encode: (
    params: Params
  ) => Either.Either<{ readonly query: WireQuery; readonly body: unknown }, ParseResult.ParseError>
  readonly decode: PayloadDecoder<A>
  readonly typed: ReadonlySet<TypedStatus>
  readonly safety: RetrySafety
  /** Phantom: the typed errors. */
  readonly _E?: E
}

const NO_QUERY: WireQuery = {}

/** Declares an operation, compiling its codecs. */
export const endpoint = <Params, A, const T extends TypedStatus = never>(
  spec: EndpointSpec<Params, A, T>
): Endpoint<Params, A, TypedError<T>> => {
  const options = { onExcessProperty: "error" } as const
  const encodeQuery = spec.query === undefined ? undefined : fastEncoder(spec.query, options)
  const encodeBody = spec.body === undefined ? undefined : fastEncoder(spec.body, options)
  const path = spec.path
  return {
    operation: spec.operation,
    method: spec.method,
    path: typeof path === "string" ? () => path : path,
    encode: (params) => {
      const query = encodeQuery === undefined ? undefined : encodeQuery(params)
      if (query !== undefined && query._tag === "Left") return query
      const body = encodeBody === undefined ? undefined : encodeBody(params)
      if (body !== undefined && body._tag === "Left") return body
      return Either.right({ query: query?.right ?? NO_QUERY, body: body?.right })
    },
    decode: decodePayload(spec.response),
    typed: new Set(spec.typed ?? []),
    safety: spec.safety ?? (spec.method === "POST" ? "createOnly" : "idempotent")
  }
}
