/** The `salesActivities` resource: create calls and emails in bulk. */
import type { BulkOptions } from "../Bulk.js"
import type { SalesActivitiesApi } from "../RecotapCrm.js"
import { SalesActivityInput, SalesActivityResult } from "../SalesActivity.js"
import { type BulkEndpoint, bulkEndpoint, resultsByKey, ResultsResponse, runBulk } from "./bulk.js"
import type { RequestPath } from "./requestPath.js"

/** Most activities in one request. */
export const MAX_ACTIVITIES_PER_REQUEST = 50

const PushSalesActivities: BulkEndpoint<
  SalesActivityInput,
  typeof ResultsResponse.Type,
  SalesActivityResult,
  BulkOptions
> = bulkEndpoint({
  operation: "salesActivities.push",
  method: "POST",
  path: "/sales-activities",
  safety: () => "createOnly",
  maxPerRequest: MAX_ACTIVITIES_PER_REQUEST,
  item: SalesActivityInput,
  body: (activities) => ({ activities }),
  response: ResultsResponse,
  outcomes: resultsByKey(
    SalesActivityResult,
    (input) => input.externalActivityId,
    (result) => result.externalActivityId
  )
})

/** Builds the sales-activities resource over the request path. */
export const makeSalesActivities = (requestPath: RequestPath): SalesActivitiesApi => ({
  push: (activities, options = {}) => runBulk(requestPath, PushSalesActivities, activities, options)
})
