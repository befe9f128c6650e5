/**
 * Domains as Recotap stores and matches them.
 *
 * @module
 */

/**
 * Normalises a domain the way Recotap does before storing or matching it: scheme, `www.` and
 * any path removed, lower-cased.
 *
 * @example
 * ```ts
 * normalizeDomain("https://www.Acme.com/foo") // "acme.com"
 * ```
 */
export const normalizeDomain = (domain: string): string =>
  domain.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^www\./, "").replace(/[/?#].*$/, "")
