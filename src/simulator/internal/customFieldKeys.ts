/**
 * The custom-field key rule as the API reference states it (§1.13), owned by the simulator so
 * that it checks the client against the reference rather than against the client's own reading.
 */

/**
 * The key Recotap generates from a custom-field label (§1.13): every space becomes `_`, the whole
 * string is upper-cased and `_C` is appended. Only spaces (U+0020) are transformed; tabs, hyphens,
 * brackets and everything else pass through: `Revenue (USD)` → `REVENUE_(USD)_C`.
 */
export const customFieldKey = (label: string): string => `${label.replaceAll(" ", "_").toUpperCase()}_C`
