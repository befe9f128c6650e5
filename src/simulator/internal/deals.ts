/** Deals, upserted by externalDealId. */
import type { Call } from "./call.js"
import { normalizeDomain } from "./domains.js"
import type { Respond } from "./reply.js"
import {
  checkList,
  isEmail,
  isNonEmptyString,
  isObject,
  type JsonObject,
  objectsOf,
  optionalDate,
  optionalNumber,
  optionalString,
  requireString,
  textOf
} from "./rules.js"
import { Checks, invalid, ok } from "./wire.js"

export const MAX_DEALS = 100

const checkDeal = (checks: Checks, item: JsonObject, path: string): void => {
  requireString(checks, item, path, "externalDealId")
  requireString(checks, item, path, "name")
  optionalNumber(checks, item, path, "amount")
  for (
    const field of ["stageId", "stageLabel", "pipelineId", "pipelineLabel", "ownerName", "ownerId", "dealCurrencyCode"]
  ) {
    optionalString(checks, item, path, field)
  }
  optionalDate(checks, item, path, "startDate")
  optionalDate(checks, item, path, "closedDate")
  if (item["ownerEmail"] !== undefined && !isEmail(item["ownerEmail"])) {
    checks.fail(`${path}ownerEmail`, "isEmail", "ownerEmail must be an email")
  }
  const associated = item["associatedAccounts"]
  if (associated !== undefined && !(Array.isArray(associated) && associated.every(isObject))) {
    checks.fail(`${path}associatedAccounts`, "isArray", "associatedAccounts must be an array")
  }
}

/**
 * POST /deals: creates or updates each deal by `externalDealId`; always 200 with per-item results,
 * `upserted` or `failed` ([3P]: the only statuses seen live; here an item fails only when a test
 * injects it with `Simulator.failItems`).
 */
export const pushDeals = ({ body, failItem, store, where }: Call): Respond => {
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  const deals = checkList(checks, request, "", "deals", MAX_DEALS, (item, path) => checkDeal(checks, item, path))
  if (!checks.passed || deals === undefined) return invalid(where, checks.violations)

  const storedAt = new Date(store.tick()).toISOString()
  const results = deals.map((deal) => {
    const externalDealId = textOf(deal, "externalDealId")
    const error = failItem(deal)
    if (error !== undefined) return { externalDealId, status: "failed" as const, error }
    const linked = objectsOf(deal, "associatedAccounts").flatMap((a) => {
      const match = isNonEmptyString(a["domain"]) ? store.findByDomain(normalizeDomain(a["domain"])) : undefined
      return match === undefined ? [] : [match.rtp_aid]
    })
    store.deals.set(externalDealId, { fields: { ...deal, linkedAccounts: linked }, storedAt })
    return { externalDealId, status: "upserted" as const }
  })
  const count = (status: string) => results.filter((r) => r.status === status).length
  return ok(where, {
    results,
    summary: { total: results.length, upserted: count("upserted"), failed: count("failed") }
  })
}
