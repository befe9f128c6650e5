/**
 * Domains as Recotap stores and matches them.
 *
 * @since 0.1.0
 */

/**
 * Normalises a domain the way Recotap does before storing or matching it: scheme, `www.` and
 * any path removed, lower-cased.
 *
 * @example
 * ```ts
 * import { normalizeDomain } from "effect-recotap"
 *
 * normalizeDomain("https://www.Acme.com/foo") // "acme.com"
 * ```
 *
 * @since 0.1.0
 * @category utils
 */
export const normalizeDomain = (domain: string): string =>
  domain.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, "").replace(/^www\./, "").replace(/[/?#].*$/, "")
