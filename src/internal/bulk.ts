/**
 * The bulk-write engine: check every item, send the valid ones in requests of the documented
 * size, and account for every item exactly once (see `Bulk.ts` for the outcomes).
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { type BulkOptions, type BulkOutcome, type BulkResult, type RejectedStatus, summarize } from "../Bulk.js"
import {
  type BadRequest,
  type Conflict,
  type InvalidApiKey,
  type MissingApiKey,
  TransportError
} from "../RecotapError.js"
import { type PayloadDecoder, typedStatuses } from "./endpoint.js"
import { decodePayload } from "./envelope.js"
import { countBulkOutcomes } from "./measure.js"
import { Applied, APPLIED_STATUSES, Invalid, Rejected, REJECTED_STATUSES, Unavailable, Unknown } from "./outcome.js"
import { describeParseError } from "./parseError.js"
import type { RequestPath } from "./requestPath.js"
import { provablyNotProcessed, type RetrySafety } from "./retry.js"

/** An item that passed its schema: where it was in the input, as given, and as sent. */
export interface CheckedItem<I> {
  readonly index: number
  readonly input: I
  readonly encoded: unknown
}

/** Builds an `Unknown`-making error for answers that do not account for an item. */
export type Broken = (detail: string) => TransportError

/** What a bulk endpoint is, declared once per resource. */
export interface BulkSpec<I, Raw, R, Options> {
  /** Operation name of the whole call, e.g. `accounts.push`; each request is `<operation>.batch`. */
  readonly operation: string
  readonly method: "POST" | "PATCH"
  readonly path: string
  /** Whether a request may be sent again on any transient failure, or only when provably not processed. */
  readonly safety: (options: Options) => RetrySafety
  /** The documented maximum of items per request. */
  readonly maxPerRequest: number
  /** Each item's schema: its type is what callers give, its encoded side what is sent. */
  readonly item: Schema.Schema<I, any>
  /**
   * A quicker encoder of the usual item, for a hot path (`accounts.push`): what the schema sends,
   * or `undefined` to leave the item to the schema. Held to `item` by property tests.
   */
  readonly encodeUsualItem?: (item: I) => unknown
  /**
   * Whether a request refused as a whole (a 400 with no per-field violations) means every later
   * request would be refused too, so they are not sent: the segment pre-check of `accounts.push`.
   */
  readonly refusalIsShared?: (options: Options) => boolean
  /**
   * A key that must be unique within one call: a repeated one is `Invalid`, as the API would
   * refuse the whole request (deal stages are all-or-nothing).
   */
  readonly uniqueKey?: (item: I) => string
  /** Checks one item beyond its schema (what depends on the revision); a message makes it `Invalid`. */
  readonly checkItem?: (item: I) => string | undefined
  /** Checks the call's options; a message makes every item `Invalid` and nothing is sent. */
  readonly checkOptions?: (options: Options) => string | undefined
  /** The request body for one batch of encoded items. */
  readonly body: (items: ReadonlyArray<unknown>, options: Options) => unknown
  /** The answer's `data` for one batch. */
  readonly response: Schema.Schema<Raw, any>
  /** One outcome per item of the batch, from the answer. */
  readonly outcomes: (
    raw: Raw,
    batch: ReadonlyArray<CheckedItem<I>>,
    broken: Broken
  ) => ReadonlyArray<BulkOutcome<I, R>>
}

/** A declared bulk endpoint, its codecs compiled. */
export interface BulkEndpoint<I, Raw, R, Options> extends BulkSpec<I, Raw, R, Options> {
  /** Checks and encodes one item: what is sent, or why it cannot be. */
  readonly encodeItem: (item: I) => Either.Either<unknown, ParseResult.ParseError>
  readonly decode: PayloadDecoder<Raw>
}

/** No fast path: the schema decides every value. */
const noUsualForm = (_: unknown): undefined => undefined

/** Declares a bulk endpoint, compiling its codecs. */
export const bulkEndpoint = <I, Raw, R, Options>(
  spec: BulkSpec<I, Raw, R, Options>
): BulkEndpoint<I, Raw, R, Options> => {
  const encode = Schema.encodeEither(spec.item, { onExcessProperty: "error" })
  const { encodeUsualItem: usual = noUsualForm } = spec
  return {
    ...spec,
    encodeItem: (item) => {
      const sent = usual(item)
      // Stryker disable next-line ConditionalExpression: equivalent, the schema encodes the usual item as the fast path does
      return sent === undefined ? encode(item) : Either.right(sent)
    },
    decode: decodePayload(spec.response)
  }
}

/** Decodes one per-item result entry. */
export type ResultDecoder<R> = (entry: unknown) => Either.Either<R, ParseResult.ParseError>

/**
 * Compiles the decoder of a per-item result schema (`AccountPushResult`, `DealResult`, ...);
 * with `usual`, a plain check of the usual entry that answers first (`undefined`: the schema decides).
 */
export const resultDecoder = <R>(
  schema: Schema.Schema<R, any>,
  usual: (entry: unknown) => R | undefined = noUsualForm
): ResultDecoder<R> => {
  const decode = Schema.decodeUnknownEither(schema)
  return (entry) => {
    const read = usual(entry)
    // Stryker disable next-line ConditionalExpression: equivalent, the schema decodes the usual entry as the fast path does
    return read === undefined ? decode(entry) : Either.right(read)
  }
}

/** A per-item result as the bulk endpoints return them: at least a `status`, maybe an `error`. */
export interface ItemResult {
  readonly status: string
  readonly error?: string | null | undefined
}

/**
 * The answer of the bulk endpoints with per-item results. Each entry is decoded on its own (see
 * `matchResults`), so that one odd entry costs only its own item.
 */
export const ResultsResponse = Schema.Struct({ results: Schema.Array(Schema.Unknown) })

/**
 * Whether a result entry is an item's: `yes` (its key says so), `maybe` (it carries no key) or
 * `no` (another key).
 */
export type Match = "yes" | "maybe" | "no"

/** Compares an item's key with a result's, which may be absent. */
export const matchKey = (key: string, resultKey: string | null | undefined): Match =>
  // Stryker disable next-line StringLiteral: equivalent, "maybe" is read only as neither "yes" nor "no"
  resultKey == null ? "maybe" : resultKey === key ? "yes" : "no"

/**
 * Pairs each item of a batch with its entry in `results`: the entry at its position unless that
 * one names another item, otherwise the entry that names it. An item without a readable entry,
 * or with a status this client does not know, is `Unknown`.
 */
export const matchResults = <I, R extends ItemResult>(
  decode: ResultDecoder<R>,
  entries: ReadonlyArray<unknown>,
  batch: ReadonlyArray<CheckedItem<I>>,
  match: (input: I, result: R) => Match,
  broken: Broken
): ReadonlyArray<BulkOutcome<I, R>> => {
  const decoded = entries.map((entry) => decode(entry))
  const results = decoded.map((entry) => Either.getOrUndefined(entry))
  const unreadable = decoded.flatMap((entry) => (Either.isLeft(entry) ? [entry.left] : []))
  const missing = unreadable.length === 0
    ? "Recotap's answer has no result for this item"
    : `Recotap's answer has no readable result for this item (${unreadable.length} unreadable: ${
      describeParseError(unreadable[0]!)
    })`
  const used = new Set<number>()
  return batch.map((item, position): BulkOutcome<I, R> => {
    const byPosition = results[position]
    const at = byPosition !== undefined && !used.has(position) && match(item.input, byPosition) !== "no"
      ? position
      : results.findIndex((result, i) => result !== undefined && !used.has(i) && match(item.input, result) === "yes")
    const result = results[at]
    if (result === undefined) return Unknown({ index: item.index, input: item.input, error: broken(missing) })
    used.add(at)
    const applied = APPLIED_STATUSES.find((status) => status === result.status)
    if (applied !== undefined) return Applied({ index: item.index, input: item.input, status: applied, result })
    const rejected = REJECTED_STATUSES.find((status) => status === result.status)
    if (rejected !== undefined) {
      return Rejected({ index: item.index, input: item.input, status: rejected, error: result.error ?? rejected })
    }
    return Unknown({
      index: item.index,
      input: item.input,
      error: broken(`unrecognised item status "${result.status}"`)
    })
  })
}

/**
 * `outcomes` for the endpoints that answer `{ results: [...] }` with one entry per item, named
 * by the item's key (`externalDealId`, `pipelineId`, ...).
 */
export const resultsByKey = <I, R extends ItemResult>(
  schema: Schema.Schema<R, any>,
  inputKey: (input: I) => string,
  resultKey: (result: R) => string | null | undefined
) => {
  const decode = resultDecoder(schema)
  return (raw: typeof ResultsResponse.Type, batch: ReadonlyArray<CheckedItem<I>>, broken: Broken) =>
    matchResults(decode, raw.results, batch, (input, result) => matchKey(inputKey(input), resultKey(result)), broken)
}

/** The messages of a 400 that concern one item of the batch (`accounts.3.domain`), or all of it. */
const refusalFor = (error: BadRequest, position: number): string => {
  const own = error.violations.filter((v) => new RegExp(`^[^.]+\\.${position}(\\.|$)`).test(v.property))
  const messages = own.flatMap((v) => Object.values(v.constraints))
  return messages.length > 0 ? messages.join("; ") : error.message
}

/**
 * Every refusal of a batch is an outcome of its items. No bulk endpoint documents a 404: any 404
 * is a `TransportError` (`RouteNotFound`).
 */
const TYPED = typedStatuses(["BadRequest", "Conflict"])

const isConcurrency = (n: number | undefined) => n === undefined || (Number.isInteger(n) && n > 0)

/** The items of a call: those refused before sending, and the rest in batches of at most `maxPerRequest`. */
interface CheckedCall<I, R> {
  readonly invalid: ReadonlyArray<BulkOutcome<I, R>>
  readonly batches: ReadonlyArray<ReadonlyArray<CheckedItem<I>>>
}

/** Checks every item (and the options) before anything is sent, then cuts the valid ones into batches. */
const checkCall = <I, Raw, R, Options extends BulkOptions>(
  endpoint: BulkEndpoint<I, Raw, R, Options>,
  given: ReadonlyArray<I>,
  options: Options
): CheckedCall<I, R> => {
  const optionsProblem = isConcurrency(options.concurrency)
    ? endpoint.checkOptions?.(options)
    : "options.concurrency must be a positive integer"
  const firstIndexOf = new Map<string, number>()
  /** The item ready to send, or why it is not. */
  const check = (input: I, index: number): CheckedItem<I> | BulkOutcome<I, R> => {
    const invalid = (error: string): BulkOutcome<I, R> => Invalid({ index, input, error })
    if (optionsProblem !== undefined) return invalid(optionsProblem)
    const encoded = endpoint.encodeItem(input)
    if (Either.isLeft(encoded)) return invalid(describeParseError(encoded.left, 5))
    const problem = endpoint.checkItem?.(input)
    if (problem !== undefined) return invalid(problem)
    const key = endpoint.uniqueKey?.(input)
    if (key !== undefined) {
      const first = firstIndexOf.get(key)
      if (first !== undefined) return invalid(`"${key}" repeats item #${first} of this call`)
      firstIndexOf.set(key, index)
    }
    return { index, input, encoded: encoded.right }
  }
  const checked = given.map(check)
  const valid = checked.filter((c): c is CheckedItem<I> => !("_tag" in c))
  const batches: Array<ReadonlyArray<CheckedItem<I>>> = []
  for (let start = 0; start < valid.length; start += endpoint.maxPerRequest) {
    batches.push(valid.slice(start, start + endpoint.maxPerRequest))
  }
  return { invalid: checked.filter((c): c is BulkOutcome<I, R> => "_tag" in c), batches }
}

/**
 * Sends the batches of one call, each answer read into its items' outcomes. It remembers what
 * every later batch would meet too (a refusal they share, a base URL that does not serve the
 * endpoint), and sends those no more.
 */
const batchSender = <I, Raw, R, Options extends BulkOptions>(
  requestPath: RequestPath,
  endpoint: BulkEndpoint<I, Raw, R, Options>,
  options: Options
) => {
  const url = `${requestPath.baseUrl}${endpoint.path}`
  const safety = endpoint.safety(options)
  // Set when a request is refused for a reason every later request shares (a segment that
  // accepts no members): the same answer awaits them, so they are not sent.
  const refusalIsShared = endpoint.refusalIsShared?.(options) ?? false
  let refusedWhole: string | undefined
  // Set when the base URL does not serve the endpoint (`RouteNotFound`): every later request
  // would meet the same answer, so they are not sent.
  let unserved: TransportError | undefined
  const operation = `${endpoint.operation}.batch`

  return (batch: ReadonlyArray<CheckedItem<I>>) =>
    Effect.suspend((): Effect.Effect<ReadonlyArray<BulkOutcome<I, R>>, MissingApiKey | InvalidApiKey> => {
      const refuse = (error: (position: number) => string, status: RejectedStatus = "refused") =>
        batch.map((item, position): BulkOutcome<I, R> =>
          Rejected({ index: item.index, input: item.input, status, error: error(position) })
        )
      if (refusedWhole !== undefined) {
        const reason = refusedWhole
        return Effect.succeed(refuse(() => `not sent: an earlier request was refused: ${reason}`))
      }
      const lost = (error: TransportError) => {
        // Refused before processing (429, 503, never sent): certainly not applied.
        const outcome = provablyNotProcessed(error) ? Unavailable : Unknown
        return batch.map((item): BulkOutcome<I, R> => outcome({ index: item.index, input: item.input, error }))
      }
      if (unserved !== undefined) return Effect.succeed(lost(unserved))
      return requestPath.send<Raw, BadRequest | Conflict>({
        operation,
        method: endpoint.method,
        path: endpoint.path,
        query: {},
        body: endpoint.body(batch.map((item) => item.encoded), options),
        decode: endpoint.decode,
        typed: TYPED,
        safety
      }).pipe(
        Effect.map((raw) =>
          endpoint.outcomes(raw, batch, (detail) => TransportError.decode(endpoint.method, url, detail))
        ),
        Effect.catchTags({
          TransportError: (error) => {
            if (error.reason === "RouteNotFound") unserved = error
            return Effect.succeed(lost(error))
          },
          BadRequest: (error) => {
            if (refusalIsShared && error.violations.length === 0) refusedWhole = error.message
            return Effect.succeed(refuse((position) => refusalFor(error, position)))
          },
          Conflict: (error) => Effect.succeed(refuse(() => error.message))
        })
      )
    })
}

/** Runs a bulk write. Fails only when the key is missing or refused: everything else is an outcome. */
export const runBulk = <I, Raw, R, Options extends BulkOptions>(
  requestPath: RequestPath,
  endpoint: BulkEndpoint<I, Raw, R, Options>,
  inputs: Iterable<I>,
  options: Options
): Effect.Effect<BulkResult<I, R>, MissingApiKey | InvalidApiKey> =>
  Effect.suspend(() => {
    const given = Array.from(inputs)
    const { batches, invalid } = checkCall(endpoint, given, options)
    const sendBatch = batchSender(requestPath, endpoint, options)
    return Effect.forEach(batches, sendBatch, { concurrency: options.concurrency ?? 1 }).pipe(
      Effect.map((sent) => {
        const outcomes = [...invalid, ...sent.flat()].sort((a, b) => a.index - b.index)
        return { outcomes, summary: summarize(outcomes) }
      }),
      Effect.tap((result) => countBulkOutcomes(endpoint.operation, result.summary)),
      Effect.withSpan(`RecotapCrm.${endpoint.operation}`, {
        // Stryker disable next-line BooleanLiteral: equivalent, a cost (a stack trace on the span changes no result)
        captureStackTrace: false,
        attributes: {
          "recotap.operation": endpoint.operation,
          "recotap.items": given.length,
          "recotap.requests": batches.length
        }
      })
    )
  })
