/**
 * An API operation, declared once: method, path, the codecs of its parameters and its answer
 * (compiled when declared), which error statuses stay typed errors, and whether it may be sent
 * again.
 */
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import type { BadRequest, Conflict, NotFound, ReadError } from "../RecotapError.js"
import { decodePayload } from "./envelope.js"
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

/** What an answer can fail with before the operation's typed statuses are applied. */
export type AnswerError = ReadError | TypedError<TypedStatus>

/** The statuses an operation keeps as typed errors `E`, and the check that lets an error through as one. */
export interface TypedStatuses<E> {
  readonly has: (status: TypedStatus) => boolean
  readonly keeps: (error: TypedError<TypedStatus>) => error is TypedError<TypedStatus> & E
}

/** The typed statuses `statuses`; the type of what `keeps` lets through is their errors'. */
export const typedStatuses = <T extends TypedStatus>(statuses: ReadonlyArray<T>): TypedStatuses<TypedError<T>> => {
  const kept: ReadonlySet<TypedStatus> = new Set(statuses)
  return {
    has: (status) => kept.has(status),
    keeps: (error): error is TypedError<T> => kept.has(error._tag)
  }
}

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
  readonly typed: TypedStatuses<E>
  readonly safety: RetrySafety
}

/** What an operation is, declared once. */
export interface EndpointSpec<Params, A, T extends TypedStatus> {
  readonly operation: string
  readonly method: Method
  /** Path relative to the base URL, starting with `/` (see {@link PathSpec} for one with parameters). */
  readonly path: string
  /** Encodes (and so checks) the caller's parameters into the query string. */
  readonly query?: Schema.Schema<Params, WireQuery>
  /** Encodes (and so checks) the caller's parameters into the JSON body. */
  readonly body?: Schema.Schema<Params, any>
  /** The payload inside the success envelope. */
  readonly response: Schema.Schema<A, any>
  /**
   * A quicker decoder of the same payload, for a hot path (a page of accounts); held to
   * {@link response} by property tests. By default, the schema's own.
   */
  readonly decodeResponse?: (body: unknown) => Either.Either<A, ParseResult.ParseError>
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

/** The names of a path's parameters: `"id"` for `/accounts/:id`. */
export type PathParamNames<Path extends string> = Path extends `${string}:${infer Name}/${infer Rest}`
  ? Name | PathParamNames<`/${Rest}`>
  : Path extends `${string}:${infer Name}` ? Name
  : never

/**
 * A path with parameters, `/accounts/:id`: the schema encodes (and so checks) the call's path
 * parameters into the text of each `:name`, which is sent as exactly one segment.
 */
export interface PathSpec<Path extends `/${string}`, P> {
  readonly template: Path
  readonly params: Schema.Schema<P, { readonly [K in PathParamNames<Path>]: string }>
}

/** A call to an operation whose path has parameters: those, and the rest (query or body). */
export interface WithPath<P, Params> {
  readonly path: P
  readonly params: Params
}

/** A declared operation, its codecs compiled. */
export interface Endpoint<Params, A, E> {
  readonly operation: string
  readonly method: Method
  /** The path of a call: its parameters encoded, or the template when they cannot be. */
  readonly path: (params: Params) => string
  /** The query and body of a call, or why the parameters (path parameters included) cannot be sent. */
  readonly encode: (
    params: Params
  ) => Either.Either<{ readonly query: WireQuery; readonly body: unknown }, ParseResult.ParseError>
  readonly decode: PayloadDecoder<A>
  readonly typed: TypedStatuses<E>
  readonly safety: RetrySafety
}

const NO_QUERY: WireQuery = {}
const OPTIONS = { onExcessProperty: "error" } as const

/**
 * Compiles an operation whose call holds its parameters as `Call`: where its path comes from
 * (`pathOf`, the one place a path is built) and which of its parameters go in the query or body.
 */
const compile = <Call, Params, A, T extends TypedStatus>(
  spec: EndpointSpec<Params, A, T>,
  pathOf: (call: Call) => Either.Either<string, ParseResult.ParseError>,
  paramsOf: (call: Call) => Params
): Endpoint<Call, A, TypedError<T>> => {
  const encodeQuery = spec.query === undefined ? undefined : Schema.encodeEither(spec.query, OPTIONS)
  const encodeBody = spec.body === undefined ? undefined : Schema.encodeEither(spec.body, OPTIONS)
  return {
    operation: spec.operation,
    method: spec.method,
    path: (call) => Either.getOrElse(pathOf(call), () => spec.path),
    encode: (call) => {
      const path = pathOf(call)
      if (path._tag === "Left") return path
      const params = paramsOf(call)
      const query = encodeQuery === undefined ? undefined : encodeQuery(params)
      if (query !== undefined && query._tag === "Left") return query
      const body = encodeBody === undefined ? undefined : encodeBody(params)
      if (body !== undefined && body._tag === "Left") return body
      return Either.right({ query: query?.right ?? NO_QUERY, body: body?.right })
    },
    decode: decodePayload(spec.response, spec.decodeResponse),
    // Stryker disable next-line ArrayDeclaration: equivalent, no answer is read as a status that is not one
    typed: typedStatuses(spec.typed ?? []),
    safety: spec.safety ?? (spec.method === "POST" ? "createOnly" : "idempotent")
  }
}

/** Declares an operation, compiling its codecs. */
export const endpoint = <Params, A, const T extends TypedStatus = never>(
  spec: EndpointSpec<Params, A, T>
): Endpoint<Params, A, TypedError<T>> => {
  const path = Either.right(spec.path)
  return compile(spec, () => path, (params: Params) => params)
}

/**
 * Builds the paths of a template: each `:name` replaced by its encoded parameter, escaped so that
 * it stays one segment.
 */
const pathOf = <Path extends `/${string}`, P>(
  spec: PathSpec<Path, P>
): (params: P) => Either.Either<string, ParseResult.ParseError> => {
  const encode = Schema.encodeEither(spec.params)
  const segments = spec.template.split("/")
  return (params) =>
    Either.map(
      encode(params),
      (values: { readonly [name: string]: string | undefined }) =>
        segments.map((segment) =>
          // The schema's encoded side names every parameter of the template.
          // Stryker disable next-line StringLiteral: equivalent, never reached (see above)
          segment.startsWith(":") ? encodeURIComponent(values[segment.slice(1)] ?? "") : segment
        ).join("/")
    )
}

/**
 * Declares an operation whose path has parameters (`PUT /accounts/:id`): a call gives them as
 * `path`, encoded by the path's schema, and the rest as `params`, for the query or body.
 */
export const endpointWithPath = <Path extends `/${string}`, P, Params, A, const T extends TypedStatus = never>(
  path: PathSpec<Path, P>,
  spec: Omit<EndpointSpec<Params, A, T>, "path">
): Endpoint<WithPath<P, Params>, A, TypedError<T>> => {
  const build = pathOf(path)
  return compile(
    { ...spec, path: path.template },
    (call: WithPath<P, Params>) => build(call.path),
    (call) => call.params
  )
}
