/** The `dealStages` resource: register pipelines in bulk (create-only), list them. */
import * as Schema from "effect/Schema"
import type { BulkOptions } from "../Bulk.js"
import { DealPipeline, DealPipelineInput, DealPipelineResult } from "../DealStage.js"
import type { DealStagesApi } from "../RecotapCrm.js"
import { type BulkEndpoint, bulkEndpoint, resultsByKey, ResultsResponse, runBulk } from "./bulk.js"
import { endpoint } from "./endpoint.js"
import type { RequestPath } from "./pipeline.js"

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

// Seen live as a bare array; the envelope is accepted too.
const ListDealStages = endpoint({
  operation: "dealStages.list",
  method: "GET",
  path: "/deal-stages",
  response: Schema.Array(DealPipeline)
})

/** Builds the deal-stages resource over a pipeline. */
export const makeDealStages = (pipeline: RequestPath): DealStagesApi => ({
  push: (pipelines, options = {}) => runBulk(pipeline, PushDealStages, pipelines, options),
  list: () => pipeline.execute(ListDealStages, undefined)
})
