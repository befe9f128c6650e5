/** The `dealStages` resource: register pipelines in bulk (create-only), list them. */
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { BulkOptions } from "../Bulk.js"
import {
  DealPipeline,
  DealPipelineInput,
  DealPipelineResult,
  type DealPipelines,
  type UnrecognizedDealPipeline
} from "../DealStage.js"
import type { DealStagesApi } from "../RecotapCrm.js"
import { type BulkEndpoint, bulkEndpoint, resultsByKey, ResultsResponse, runBulk } from "./bulk.js"
import { type Endpoint, endpoint } from "./endpoint.js"
import { truncate } from "./envelope.js"
import { paginate } from "./paginate.js"
import { describeParseError } from "./parseError.js"
import type { RequestPath } from "./requestPath.js"

/** Most pipelines in one request. */
export const MAX_PIPELINES_PER_REQUEST = 20

const PushDealStages: BulkEndpoint<DealPipelineInput, typeof ResultsResponse.Type, DealPipelineResult, BulkOptions> =
  bulkEndpoint({
    operation: "dealStages.push",
    method: "POST",
    path: "/deal-stages",
    safety: () => "createOnly",
    uniqueKey: (pipeline) => pipeline.pipelineId,
    maxPerRequest: MAX_PIPELINES_PER_REQUEST,
    item: DealPipelineInput,
    body: (pipelines) => ({ pipelines }),
    response: ResultsResponse,
    outcomes: resultsByKey(DealPipelineResult, (input) => input.pipelineId, (result) => result.pipelineId)
  })

/** One page of the list: its items as received, and whether more follow. */
interface Page {
  readonly items: ReadonlyArray<unknown>
  readonly nextCursor: string | null
  readonly hasNextPage: boolean
}

/** The paginated wrapper of §1.6; `{ data: [...] }` alone is one page. */
const Wrapper = Schema.Struct({
  data: Schema.Array(Schema.Unknown),
  nextCursor: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  hasNextPage: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

/**
 * Every shape `GET /deal-stages` may answer in (§2.12 is unsure): a bare array (as seen live),
 * the wrapper `{ data, nextCursor?, hasNextPage? }` bare or as the standard envelope (whose other
 * fields are ignored), or the wrapper inside the envelope's `data`.
 */
const ListWire = Schema.Union(Schema.Array(Schema.Unknown), Wrapper, Schema.Struct({ data: Wrapper }))
const decodeListWire = Schema.decodeUnknownEither(ListWire)

/**
 * Decoded here rather than by the envelope rule (payload inside `data` first): a bare paginated
 * wrapper's `data` is an array too, and reading it alone would lose `hasNextPage`.
 */
const decodePage = (body: unknown) =>
  Either.map(decodeListWire(body), (wire): Page => {
    if (!("data" in wire)) return { items: wire, nextCursor: null, hasNextPage: false }
    const page = "hasNextPage" in wire ? wire : wire.data
    return { items: page.data, nextCursor: page.nextCursor, hasNextPage: page.hasNextPage }
  })

const CursorParams = Schema.Struct({ cursor: Schema.optional(Schema.String) })

const ListDealStages: Endpoint<typeof CursorParams.Type, Page, never> = {
  ...endpoint({
    operation: "dealStages.list",
    method: "GET",
    path: "/deal-stages",
    query: CursorParams,
    response: Schema.Unknown
  }),
  decode: decodePage
}

// Every problem of an item is named (`errors: "all"`), not only the first.
const decodePipeline = Schema.decodeUnknownEither(DealPipeline, { errors: "all" })

/** Splits the items of every page into readable pipelines and items kept as received, in order. */
const sortItems = (items: ReadonlyArray<unknown>): DealPipelines => {
  const pipelines: Array<DealPipeline> = []
  const unrecognized: Array<UnrecognizedDealPipeline> = []
  items.forEach((raw, index) => {
    const decoded = decodePipeline(raw)
    if (Either.isRight(decoded)) pipelines.push(decoded.right)
    else {
      const error = typeof raw === "object" && raw !== null && !Array.isArray(raw)
        ? describeParseError(decoded.left)
        : `Expected a pipeline object, actual ${JSON.stringify(raw) ?? String(raw)}`
      unrecognized.push({ index, raw, error: truncate(error) })
    }
  })
  return { pipelines, unrecognized }
}

/** Builds the deal-stages resource over the request path. */
export const makeDealStages = (requestPath: RequestPath): DealStagesApi => {
  const page = (params: typeof CursorParams.Type) => requestPath.execute(ListDealStages, params)
  return {
    push: (pipelines, options = {}) => runBulk(requestPath, PushDealStages, pipelines, options),
    // Every page, should the list come paginated (§1.6: on `hasNextPage`, with `cursor`).
    list: () =>
      paginate(page, {}, `${requestPath.baseUrl}/deal-stages`).pipe(
        Stream.mapConcat((next) => next.items),
        Stream.runCollect,
        Effect.map((items) => sortItems(Chunk.toReadonlyArray(items)))
      )
  }
}
