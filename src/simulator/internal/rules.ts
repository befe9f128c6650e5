/** The validation rules the simulated API applies, with class-validator's wording. */
// One function each from `validator`, the package class-validator calls with its default
// options for `@IsEmail()` and `@IsISO8601()`: what the real server accepts, not what the client
// thinks it accepts. (CommonJS modules: their function is the `default` of the default import.)
import isEmailModule from "validator/lib/isEmail.js"
import isISO8601Module from "validator/lib/isISO8601.js"

// `validator` is CommonJS: its default import is the function in a CommonJS build and a module
// object holding it in an ES module build; both carry it, so take whichever is callable.
const callable = <F extends (...args: Array<never>) => unknown>(module: F | { readonly default: F }): F =>
  typeof module === "function" ? module : module.default
const validatorIsEmail = callable(isEmailModule)
const validatorIsIso8601 = callable(isISO8601Module)
import type { Checks } from "./wire.js"

/** A plain JSON object (not an array, not null). */
export type JsonObject = Readonly<Record<string, unknown>>

export const isObject = (value: unknown): value is JsonObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

export const isNonEmptyString = (value: unknown): value is string => typeof value === "string" && value.trim() !== ""

// Readers of a request's fields once its checks passed: each checks again rather than cast, so
// that a rule forgotten in a check shows as an empty value, never as a wrong type.

/** `item[field]` when it is text; `""` otherwise (the checks required it). */
export const textOf = (item: JsonObject, field: string): string => {
  const value = item[field]
  return typeof value === "string" ? value : ""
}

/** `item[field]` when it is text; undefined otherwise. */
export const optionalTextOf = (item: JsonObject, field: string): string | undefined => {
  const value = item[field]
  return typeof value === "string" ? value : undefined
}

/** `item[field]` when it is a list of text; undefined otherwise. */
export const textListOf = (item: JsonObject, field: string): Array<string> | undefined => {
  const value = item[field]
  return Array.isArray(value) && value.every((entry) => typeof entry === "string") ? [...value] : undefined
}

/** The objects of the list `item[field]` (none when it is not a list). */
export const objectsOf = (item: JsonObject, field: string): ReadonlyArray<JsonObject> => {
  const value = item[field]
  return Array.isArray(value) ? value.filter(isObject) : []
}

/**
 * An email address as class-validator's `@IsEmail()` accepts it (`validator`'s `isEmail`, default
 * options): e.g. `a@b.c` (one-letter top-level domain), `a..b@x.com`, `foo@bar.com.` and
 * `a@[1.2.3.4]` are refused.
 */
export const isEmail = (value: unknown): value is string => typeof value === "string" && validatorIsEmail(value)

/**
 * An ISO 8601 date or date-time as class-validator's `@IsISO8601()` accepts it (`validator`'s
 * `isISO8601`, default options): e.g. `2026-04`, `2026-04-22 10:30:00`, a `+05` offset and a
 * lower-case `z` pass; hour `24` does not.
 */
export const isIso8601 = (value: unknown): value is string => typeof value === "string" && validatorIsIso8601(value)

/**
 * Checks that `body[field]` is an array of 1 to `max` objects, and each object with `checkItem`,
 * which receives the item and its property path (e.g. `accounts.3.`). Returns the list's objects
 * when it is an array (the whole list, once every check passed).
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
  if (value.length > max) {
    checks.fail(`${path}${field}`, "arrayMaxSize", `${field} must contain no more than ${max} elements`)
  }
  const items: Array<JsonObject> = []
  value.slice(0, max).forEach((item: unknown, index) => {
    if (isObject(item)) {
      items.push(item)
      checkItem(item, `${path}${field}.${index}.`)
    } else {checks.fail(
        `${path}${field}.${index}`,
        "nestedValidation",
        `each value in nested property ${field} must be either object or array`
      )}
  })
  return items
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
