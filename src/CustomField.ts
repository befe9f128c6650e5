/**
 * Account custom fields: their definitions, and how Recotap derives a key from a label.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { NonBlankString } from "./internal/params.js"

/**
 * The key Recotap generates for a custom-field label: spaces become `_`, the whole string is
 * upper-cased and `_C` is appended. Only spaces are transformed.
 *
 * @example
 * ```ts
 * import { customFieldKey } from "effect-recotap"
 *
 * customFieldKey("Contract Value") // "CONTRACT_VALUE_C"
 * customFieldKey("Revenue (USD)")  // "REVENUE_(USD)_C"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const customFieldKey = (label: string): string => `${label.replace(/ /g, "_").toUpperCase()}_C`

/**
 * The six types of a custom field.
 *
 * @since 0.1.0
 * @category schemas
 */
export const LabelType = Schema.Literal(
  "singleLineText",
  "multiLineText",
  "singleSelection",
  "multiSelection",
  "number",
  "date"
)

/**
 * @see {@link LabelType}
 *
 * @since 0.1.0
 * @category schemas
 */
export type LabelType = typeof LabelType.Type

const SELECTION_TYPES: ReadonlyArray<LabelType> = ["singleSelection", "multiSelection"]

/**
 * A custom-field definition as Recotap returns it. Unknown label types are kept as text.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CustomField = Schema.Struct({
  /** The key to use in `customFields`, e.g. `CONTRACT_VALUE_C`. */
  key: Schema.String,
  label: Schema.String,
  labelType: Schema.String,
  description: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }),
  /** Choices of a selection field; `[]` for other types. */
  options: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [], nullable: true }),
  objectType: Schema.optional(Schema.String),
  status: Schema.optional(Schema.String)
})

/**
 * @see {@link CustomField}
 *
 * @since 0.1.0
 * @category schemas
 */
export type CustomField = typeof CustomField.Type

/**
 * A custom field to create. `options` (at least one) are required for selection types and not
 * allowed for the others.
 *
 * @since 0.1.0
 * @category schemas
 */
export const CustomFieldInput = Schema.Struct({
  label: NonBlankString,
  labelType: LabelType,
  description: Schema.optional(Schema.String),
  options: Schema.optional(Schema.Array(NonBlankString))
}).pipe(
  Schema.filter((input) => {
    const selection = SELECTION_TYPES.includes(input.labelType)
    if (selection && (input.options?.length ?? 0) === 0) {
      return { path: ["options"], message: `a ${input.labelType} field needs at least one option` }
    }
    if (!selection && input.options !== undefined) {
      return { path: ["options"], message: `options are only for selection fields, not ${input.labelType}` }
    }
    return true
  })
)

/**
 * @see {@link CustomFieldInput}
 *
 * @since 0.1.0
 * @category schemas
 */
export type CustomFieldInput = typeof CustomFieldInput.Type
