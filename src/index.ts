/**
 * effect-recotap: the Effect-native client for the Recotap CRM API.
 *
 * @module
 */
export * from "./Account.js"
export * from "./ApiKey.js"
export * from "./RecotapConfig.js"
export * from "./RecotapCrm.js"
export * from "./RecotapError.js"
