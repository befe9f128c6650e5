/** The validation rules the simulated API applies, with class-validator's wording. */
import { isEmail, isIso8601 } from "../../internal/params.js"
import type { Checks } from "./wire.js"

/** A plain JSON object (not an array, not null). */
export type JsonObject = Readonly<Record<string, unknown>>

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.trim() !== ""

// The client's checks, so that both agree on what an ISO 8601 date and an email are.
export { isEmail, isIso8601 }

/**
 * Checks that `body[field]` is an array of 1 to `max` objects, and each object with `checkItem`,
 * which receives the item and its property path (e.g. `accounts.3.`). Returns the list when it
 * is an array; it holds only objects once every check passed.
 * `emptyMessage` replaces class-validator's wording for an empty array where the docs give another.
 */
export const checkList = (
  checks: Checks,
  body: JsonObject,
  path: string,
  field: string,
  max: number,
  checkItem: (item: JsonObject, itemPath: string) => void,
  emptyMessage = `${field} must contain at least 1 elements`
): ReadonlyArray<JsonObject> | undefined => {
  const value = body[field]
  if (!Array.isArray(value)) {
    checks.fail(`${path}${field}`, "isArray", `${field} must be an array`)
    return undefined
  }
  if (value.length === 0) checks.fail(`${path}${field}`, "arrayMinSize", emptyMessage)
  if (value.length > max) checks.fail(`${path}${field}`, "arrayMaxSize", `${field} must contain no more than ${max} elements`)
  value.slice(0, max).forEach((item: unknown, index) => {
    if (isObject(item)) checkItem(item, `${path}${field}.${index}.`)
    else checks.fail(`${path}${field}.${index}`, "nestedValidation", `each value in nested property ${field} must be either object or array`)
  })
  return value as ReadonlyArray<JsonObject>
}

/** A required, non-empty string property. */
export const requireString = (checks: Checks, item: JsonObject, path: string, field: string): void => {
  if (!isNonEmptyString(item[field])) checks.fail(`${path}${field}`, "isNotEmpty", `${field} should not be empty`)
}

/** An optional string property: absent is fine, anything but a string is not. */
export const optionalString = (checks: Checks, item: JsonObject, path: string, field: string): void => {
  if (item[field] !== undefined && typeof item[field] !== "string") {
    checks.fail(`${path}${field}`, "isString", `${field} must be a string`)
  }
}

/** An optional ISO 8601 date property. */
export const optionalDate = (checks: Checks, item: JsonObject, path: string, field: string): void => {
  if (item[field] !== undefined && !isIso8601(item[field])) {
    checks.fail(`${path}${field}`, "isIso8601", `${field} must be a valid ISO 8601 date string`)
  }
}

/** An optional number property. */
export const optionalNumber = (checks: Checks, item: JsonObject, path: string, field: string): void => {
  if (item[field] !== undefined && (typeof item[field] !== "number" || !Number.isFinite(item[field]))) {
    checks.fail(`${path}${field}`, "isNumber", `${field} must be a number conforming to the specified constraints`)
  }
}
