/** Deal stages: pipelines are created all or nothing (409 if any exists), and listed bare. */
import type { Call } from "./call.js"
import type { Respond } from "./reply.js"
import { checkList, isObject, type JsonObject, objectsOf, requireString, textOf } from "./rules.js"
import type { StoredPipeline } from "./store.js"
import { bare, Checks, invalid, ok, refuse } from "./wire.js"

export const MAX_PIPELINES = 20

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

  const ids = pipelines.map((p) => textOf(p, "pipelineId"))
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
      pipelineId: textOf(pipeline, "pipelineId"),
      pipelineLabel: textOf(pipeline, "pipelineLabel"),
      stages: objectsOf(pipeline, "stages").map((s) => ({
        stageId: textOf(s, "stageId"),
        stageLabel: textOf(s, "stageLabel")
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
