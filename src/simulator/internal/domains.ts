/**
 * Domain normalisation as the API reference states it (§1.12), owned by the simulator so that
 * it checks the client against the reference rather than against the client's own reading.
 */

/** A URL scheme at the start of a (lower-cased) domain: `https://`, `http://`, any `scheme://`. */
const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//

/**
 * Cleans a domain as Recotap does before storing or matching it (§1.12): the scheme
 * (`https://`) is removed, then a leading `www.`, then any trailing path (from the first `/`),
 * and the value is lower-cased: `https://www.acme.com/foo` → `acme.com`.
 *
 * Nothing more is documented, so nothing more is done: a port (`acme.com:8443`), a trailing dot
 * (`acme.com.`), a query or fragment without a path (`acme.com?x`) and surrounding white space
 * are kept as given. A client that normalises further must still match what the server answers.
 */
export const normalizeDomain = (domain: string): string => {
  // Lower-case first, so that `HTTPS://` and `WWW.` are removed like their lower-case forms.
  const lower = domain.toLowerCase()
  const withoutScheme = lower.replace(SCHEME, "")
  const withoutWww = withoutScheme.startsWith("www.") ? withoutScheme.slice("www.".length) : withoutScheme
  const slash = withoutWww.indexOf("/")
  return slash === -1 ? withoutWww : withoutWww.slice(0, slash)
}
