/**
 * How Recotap derives a custom field's key from its label.
 *
 * @module
 */

/**
 * The key Recotap generates for a custom-field label: spaces become `_`, the whole string is
 * upper-cased and `_C` is appended. Only spaces are transformed.
 *
 * @example
 * ```ts
 * customFieldKey("Contract Value") // "CONTRACT_VALUE_C"
 * customFieldKey("Revenue (USD)")  // "REVENUE_(USD)_C"
 * ```
 */
export const customFieldKey = (label: string): string => `${label.replace(/ /g, "_").toUpperCase()}_C`
