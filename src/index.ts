/**
 * effect-recotap: the Effect-native client for the Recotap CRM API.
 *
 * @module
 */
export * from "./Account.js"
export * from "./ApiKey.js"
export * from "./Bulk.js"
export * from "./CustomField.js"
export * from "./Deal.js"
export * from "./DealStage.js"
export * from "./Domain.js"
export * from "./RecotapCallOptions.js"
export * from "./RecotapConfig.js"
export * from "./RecotapCrm.js"
export * from "./RecotapError.js"
export * from "./SalesActivity.js"
export * from "./Segment.js"
