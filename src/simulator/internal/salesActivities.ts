/** Sales activities: create-only; calls and emails are processed, any other type is skipped. */
import type { Call } from "./call.js"
import type { Respond } from "./reply.js"
import {
  checkList,
  isEmail,
  isIso8601,
  isObject,
  type JsonObject,
  optionalNumber,
  optionalString,
  requireString,
  textOf
} from "./rules.js"
import { Checks, invalid, ok } from "./wire.js"

export const MAX_ACTIVITIES = 50

const PROCESSED_TYPES: ReadonlyArray<unknown> = ["call", "email"]

const checkActivity = (checks: Checks, item: JsonObject, path: string): void => {
  requireString(checks, item, path, "externalActivityId")
  requireString(checks, item, path, "activityType")
  if (!isIso8601(item["occurredAt"])) {
    checks.fail(`${path}occurredAt`, "isIso8601", "occurredAt must be a valid ISO 8601 date string")
  }
  requireString(checks, item, path, "domain")
  if (!isEmail(item["ownerEmail"])) checks.fail(`${path}ownerEmail`, "isEmail", "ownerEmail must be an email")
  const contacts = item["contacts"]
  if (!Array.isArray(contacts) || contacts.length === 0) {
    checks.fail(`${path}contacts`, "arrayMinSize", "contacts must contain at least 1 elements")
  } else {
    contacts.forEach((contact, contactIndex) => {
      if (!isObject(contact)) {
        checks.fail(
          `${path}contacts.${contactIndex}`,
          "nestedValidation",
          "each value in nested property contacts must be either object or array"
        )
      } else if (contact["email"] !== undefined && !isEmail(contact["email"])) {
        checks.fail(`${path}contacts.${contactIndex}.email`, "isEmail", "email must be an email")
      }
    })
    if (!contacts.some((contact) => isObject(contact) && isEmail(contact["email"]))) {
      checks.fail(`${path}contacts`, "hasEmail", "contacts must contain at least one contact with an email")
    }
  }
  for (const field of ["accountName", "subject", "ownerName", "ownerId", "callTitle", "outcome"]) {
    optionalString(checks, item, path, field)
  }
  for (const field of ["durationMinutes", "openCount", "clickCount"]) optionalNumber(checks, item, path, field)
  if (item["direction"] !== undefined && item["direction"] !== "inbound" && item["direction"] !== "outbound") {
    checks.fail(`${path}direction`, "isEnum", "direction must be one of the following values: inbound, outbound")
  }
  if (item["from"] !== undefined && !isObject(item["from"])) {
    checks.fail(`${path}from`, "isObject", "from must be an object")
  }
}

/**
 * POST /sales-activities: always 200 with `created`, `failed` (a repeated ID, or a failure a test
 * injected with `Simulator.failItems`) or `skipped` (other types) per item.
 */
export const pushSalesActivities = ({ body, failItem, store, where }: Call): Respond => {
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  const activities = checkList(
    checks,
    request,
    "",
    "activities",
    MAX_ACTIVITIES,
    (item, path) => checkActivity(checks, item, path)
  )
  if (!checks.passed || activities === undefined) return invalid(where, checks.violations)

  const storedAt = new Date(store.tick()).toISOString()
  const results = activities.map((activity) => {
    const externalActivityId = textOf(activity, "externalActivityId")
    // An injected failure wins over everything else: the test asked for this item to fail.
    const injected = failItem(activity)
    if (injected !== undefined) return { externalActivityId, status: "failed" as const, error: injected }
    if (!PROCESSED_TYPES.includes(activity["activityType"])) {
      return {
        externalActivityId,
        status: "skipped" as const,
        error: `Unsupported activityType '${String(activity["activityType"])}'. Only call and email are processed.`
      }
    }
    if (store.activities.has(externalActivityId)) {
      return {
        externalActivityId,
        status: "failed" as const,
        error: `Activity with externalActivityId '${externalActivityId}' already exists`
      }
    }
    store.activities.set(externalActivityId, { fields: { ...activity }, storedAt })
    return { externalActivityId, status: "created" as const }
  })
  const count = (status: string) => results.filter((r) => r.status === status).length
  return ok(where, {
    results,
    summary: { total: results.length, created: count("created"), failed: count("failed"), skipped: count("skipped") }
  })
}
