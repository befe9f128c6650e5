/** Account custom fields: list the active ones, create one (key derived from the label). */
import type { Call } from "./call.js"
import { customFieldKey } from "./customFieldKeys.js"
import type { Respond } from "./reply.js"
import { isObject, optionalString, requireString, textListOf, textOf } from "./rules.js"
import { LABEL_TYPES, type StoredCustomField } from "./store.js"
import { Checks, invalid, ok, refuse } from "./wire.js"

const SELECTION_TYPES: ReadonlyArray<string> = ["singleSelection", "multiSelection"]

const isLabelType = (value: unknown): value is StoredCustomField["labelType"] =>
  LABEL_TYPES.some((type) => type === value)

/** A custom field as the API returns it. */
export const customFieldView = (field: StoredCustomField) => ({ ...field, options: [...field.options] })

/** GET /accounts/custom-fields: the active fields. */
export const listCustomFields = ({ store, where }: Call): Respond =>
  ok(where, [...store.customFields.values()].filter((f) => f.status === "active").map(customFieldView))

/** POST /accounts/custom-field: 409 when the derived key exists and is active. Answers 201 with a one-item array. */
export const createCustomField = ({ body, store, where }: Call): Respond => {
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  requireString(checks, request, "", "label")
  const labelType = request["labelType"]
  if (!isLabelType(labelType)) {
    checks.fail("labelType", "isEnum", `labelType must be one of the following values: ${LABEL_TYPES.join(", ")}`)
  }
  optionalString(checks, request, "", "description")
  const options = request["options"]
  if (options !== undefined && !(Array.isArray(options) && options.every((o) => typeof o === "string"))) {
    checks.fail("options", "isString", "each value in options must be a string")
  } else if (SELECTION_TYPES.includes(String(labelType)) && (!Array.isArray(options) || options.length === 0)) {
    checks.fail("options", "arrayMinSize", "options must contain at least 1 elements")
  }
  if (!checks.passed || !isLabelType(labelType)) return invalid(where, checks.violations)

  const key = customFieldKey(textOf(request, "label"))
  if (store.customFields.get(key)?.status === "active") {
    return refuse(where, 409, `Custom field with key '${key}' already exists`)
  }
  const field = store.defineCustomField({
    label: textOf(request, "label"),
    labelType,
    description: typeof request["description"] === "string" ? request["description"] : null,
    // Stored as [] for the types that take no choices, as the API lists them.
    options: SELECTION_TYPES.includes(labelType) ? (textListOf(request, "options") ?? []) : []
  })
  return ok(where, [customFieldView(field)], 201)
}
