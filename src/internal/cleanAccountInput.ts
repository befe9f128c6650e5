/**
 * The fast path of encoding an `AccountInput` (`src/Account.ts`) for `accounts.push`: a plain
 * check of the form nearly every item has, answering what `Schema.encodeEither(AccountInput,
 * { onExcessProperty: "error" })` sends, or `undefined` for anything else (the schema then
 * decides, and names the problems).
 *
 * Why: every item of every push is encoded; the schema costs about 2.4 µs an item, this check a
 * tenth of that (`npx tsx bench/decode.ts`), a sixth of a batch's client CPU. It restates the
 * item's fields, so it answers only what it is sure of: a plain object of known keys holding
 * plain values. The contract, checked by `test/accountPage.test.ts` over generated items:
 * whenever it answers, the schema encodes the same input to a deep-equal value with the same
 * keys in the same order. A field added to `AccountInput` that this check does not know fails
 * that test.
 */
import { isNonBlank } from "./params.js"

const hasOwn = Object.prototype.hasOwnProperty

/** The fields of `AccountInput`, in its order: the value sent keeps it. */
const FIELDS = ["externalId", "domain", "name", "shortName", "linkedinUrl", "tags", "customFields"] as const
const KNOWN: ReadonlySet<string> = new Set(FIELDS)

/** A plain object: what the user wrote as a literal or built with `{}`; anything else goes to the schema. */
const isPlainObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype

/** A finite number, as `Schema.finite()` has it. */
const isFiniteNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value)

/** A copy of a plain array whose every element passes `isElement`, or `undefined`. */
const copyOf = (value: unknown, isElement: (element: unknown) => boolean): Array<unknown> | undefined => {
  if (!Array.isArray(value) || Object.getPrototypeOf(value) !== Array.prototype) return undefined
  const out: Array<unknown> = new Array(value.length)
  for (let i = 0; i < value.length; i++) {
    if (!hasOwn.call(value, i) || !isElement(value[i])) return undefined
    out[i] = value[i]
  }
  return out
}

const isListElement = (element: unknown) => typeof element === "string" || isFiniteNumber(element)

/** A `CustomFieldValue` as sent: text, a finite number, a boolean, `null` or a copied list. */
const customFieldValue = (value: unknown): { readonly sent: unknown } | undefined => {
  if (typeof value === "string" || typeof value === "boolean" || value === null || isFiniteNumber(value)) {
    return { sent: value }
  }
  const list = copyOf(value, isListElement)
  return list === undefined ? undefined : { sent: list }
}

/** `customFields` as sent: a copy, its keys in the given order; `undefined` if not sure. */
const customFields = (value: unknown): Record<string, unknown> | undefined => {
  if (!isPlainObject(value) || Object.getOwnPropertySymbols(value).length > 0) return undefined
  const out: Record<string, unknown> = {}
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue
    const field = customFieldValue(value[key])
    if (key === "__proto__" || field === undefined) return undefined
    out[key] = field.sent
  }
  return out
}

/** One optional field as sent (`{ sent }`), or `undefined` if not sure. */
const optionalField = (
  item: Readonly<Record<string, unknown>>,
  key: (typeof FIELDS)[number]
): { readonly sent: unknown } | undefined => {
  const value = item[key]
  // Given as `undefined`: the schema keeps the key (and `JSON.stringify` drops it).
  if (value === undefined) return { sent: undefined }
  const sent = fieldValue(key, value)
  return sent === undefined ? undefined : { sent }
}

/** A present optional field's value as sent, or `undefined` if not sure. */
const fieldValue = (key: (typeof FIELDS)[number], value: unknown): unknown => {
  switch (key) {
    case "externalId":
      return isNonBlank(value) ? value : undefined
    case "shortName":
    case "linkedinUrl":
      return typeof value === "string" ? value : undefined
    case "tags":
      return copyOf(value, (tag) => typeof tag === "string")
    case "customFields":
      return customFields(value)
    default:
      return undefined
  }
}

/** The item as sent, or `undefined` when only the schema can tell. */
export const encodeCleanAccountInput = (item: unknown): unknown => {
  if (!isPlainObject(item)) return undefined
  // Every own key, hidden and symbol ones included, as the schema's excess-property check sees them.
  for (const key of Reflect.ownKeys(item)) if (typeof key !== "string" || !KNOWN.has(key)) return undefined
  const { domain, name } = item
  if (!hasOwn.call(item, "domain") || !hasOwn.call(item, "name") || !isNonBlank(domain) || !isNonBlank(name)) {
    return undefined
  }
  const out: Record<string, unknown> = {}
  for (const key of FIELDS) {
    if (key === "domain" || key === "name") {
      out[key] = item[key]
      continue
    }
    if (!hasOwn.call(item, key)) continue
    const field = optionalField(item, key)
    if (field === undefined) return undefined
    out[key] = field.sent
  }
  return out
}
