/** The `deals` resource: upsert deals in bulk. */
import type { BulkOptions } from "../Bulk.js"
import { DealInput, DealResult } from "../Deal.js"
import type { DealsApi } from "../RecotapCrm.js"
import { type BulkEndpoint, bulkEndpoint, resultsByKey, ResultsResponse, runBulk } from "./bulk.js"
import type { RequestPath } from "./requestPath.js"

/** Most deals in one request. */
export const MAX_DEALS_PER_REQUEST = 100

const PushDeals: BulkEndpoint<DealInput, typeof ResultsResponse.Type, DealResult, BulkOptions> = bulkEndpoint({
  operation: "deals.push",
  method: "POST",
  path: "/deals",
  // Deals are upserted by externalDealId: sending one twice is harmless.
  safety: () => "idempotent",
  maxPerRequest: MAX_DEALS_PER_REQUEST,
  item: DealInput,
  body: (deals) => ({ deals }),
  response: ResultsResponse,
  outcomes: resultsByKey(DealResult, (input) => input.externalDealId, (result) => result.externalDealId)
})

/** Builds the deals resource over the request path. */
export const makeDeals = (requestPath: RequestPath): DealsApi => ({
  push: (deals, options = {}) => runBulk(requestPath, PushDeals, deals, options)
})
