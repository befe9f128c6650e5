/** Deals (upsert by externalDealId) and deal stages (pipelines: create-only, all or nothing). */
import { normalizeDomain } from "../../Domain.js"
import type { Respond } from "../Reply.js"
import type { Call } from "./call.js"
import {
  checkList,
  isEmail,
  isNonEmptyString,
  isObject,
  type JsonObject,
  optionalDate,
  optionalNumber,
  optionalString,
  requireString
} from "./rules.js"
import type { StoredPipeline } from "./store.js"
import { bare, Checks, invalid, ok, refuse } from "./wire.js"

export const MAX_DEALS = 100
export const MAX_PIPELINES = 20

const checkDeal = (checks: Checks, item: JsonObject, path: string): void => {
  requireString(checks, item, path, "externalDealId")
  requireString(checks, item, path, "name")
  optionalNumber(checks, item, path, "amount")
  for (const field of ["stageId", "stageLabel", "pipelineId", "pipelineLabel", "ownerName", "ownerId", "dealCurrencyCode"]) {
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

/** POST /deals: creates or updates each deal by `externalDealId`; always 200 with per-item results. */
export const pushDeals = ({ body, store, where }: Call): Respond => {
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  const deals = checkList(checks, request, "", "deals", MAX_DEALS, (item, path) => checkDeal(checks, item, path))
  if (!checks.passed || deals === undefined) return invalid(where, checks.violations)

  const storedAt = new Date(store.tick()).toISOString()
  const results = deals.map((deal) => {
    const linked = Array.isArray(deal["associatedAccounts"])
      ? (deal["associatedAccounts"] as ReadonlyArray<JsonObject>).flatMap((a) => {
        const match = isNonEmptyString(a["domain"]) ? store.findByDomain(normalizeDomain(a["domain"])) : undefined
        return match === undefined ? [] : [match.rtp_aid]
      })
      : []
    store.deals.set(deal["externalDealId"] as string, { fields: { ...deal, linkedAccounts: linked }, storedAt })
    return { externalDealId: deal["externalDealId"] as string, status: "upserted" as const }
  })
  return ok(where, { results, summary: { total: results.length, upserted: results.length, failed: 0 } })
}

const checkPipeline = (checks: Checks, item: JsonObject, path: string): void => {
  requireString(checks, item, path, "pipelineId")
  requireString(checks, item, path, "pipelineLabel")
  const seen = new Set<unknown>()
  checkList(checks, item, path, "stages", Number.POSITIVE_INFINITY, (stage, stagePath) => {
    requireString(checks, stage, stagePath, "stageId")
    requireString(checks, stage, stagePath, "stageLabel")
    if (seen.has(stage["stageId"])) {
      checks.fail(`${stagePath}stageId`, "isUnique", "stageId must be unique within a pipeline")
    }
    seen.add(stage["stageId"])
  })
}

/** POST /deal-stages: creates every pipeline, or none (409) if any already exists. Answers 201. */
export const pushDealStages = ({ body, store, where }: Call): Respond => {
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  const pipelines = checkList(
    checks,
    request,
    "",
    "pipelines",
    MAX_PIPELINES,
    (item, path) => checkPipeline(checks, item, path)
  )
  if (!checks.passed || pipelines === undefined) return invalid(where, checks.violations)

  const ids = pipelines.map((p) => p["pipelineId"] as string)
  const clashing = ids.filter((id, index) => store.pipelines.has(id) || ids.indexOf(id) !== index)
  if (clashing.length > 0) {
    const list = [...new Set(clashing)].join(", ")
    return refuse(
      where,
      409,
      store.revision === "crm"
        ? `Pipeline(s) already exist: ${list}. Use the update endpoint to modify existing pipelines.`
        : `Pipeline(s) already exist: ${list}`
    )
  }
  for (const pipeline of pipelines) {
    const stored: StoredPipeline = {
      pipelineId: pipeline["pipelineId"] as string,
      pipelineLabel: pipeline["pipelineLabel"] as string,
      stages: (pipeline["stages"] as ReadonlyArray<JsonObject>).map((s) => ({
        stageId: s["stageId"] as string,
        stageLabel: s["stageLabel"] as string
      }))
    }
    store.pipelines.set(stored.pipelineId, stored)
  }
  return ok(where, {
    results: ids.map((pipelineId) => ({ pipelineId, status: "created" })),
    summary: { total: ids.length, created: ids.length }
  }, 201)
}

/** GET /deal-stages: every pipeline with its stages, as a bare array (as seen live). */
export const listDealStages = ({ store }: Call): Respond => bare([...store.pipelines.values()])
