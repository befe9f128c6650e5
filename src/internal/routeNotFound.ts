/**
 * A 404 that says "this base URL does not serve the endpoint" rather than "no such record", and
 * the base URL to try instead.
 *
 * Only `accounts.update` documents a 404 (the account does not exist), in the Recotap error
 * envelope. Any other 404 (on an endpoint that documents none, a framework's `Cannot PUT /…`
 * in `message` or `customMessage`, NestJS's default body, an HTML page, plain text, an empty
 * body, JSON of another shape) means the request found no route: a wrong base URL or revision,
 * which says nothing about the record.
 */
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { BASE_URLS, type RecotapSettings, type Revision, SANDBOX_BASE_URL } from "../RecotapConfig.js"
import { TransportError } from "../RecotapError.js"
import { parseJson, readErrorBody, summariseText, truncate } from "./envelope.js"

/** A web framework's words for a request that matched no route. */
const NO_ROUTE = /\bCannot (?:GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) \/[^\s<>"]*/

/** The documented "no such record" body: the Recotap error envelope of a 404, `data` null or absent. */
const RecordNotFound = Schema.Struct({
  statusCode: Schema.Literal(404),
  message: Schema.Union(Schema.String, Schema.Array(Schema.String)),
  customMessage: Schema.optional(Schema.NullOr(Schema.String)),
  data: Schema.optional(Schema.Null)
})

const decodeRecordNotFound = Schema.decodeUnknownEither(RecordNotFound)

/**
 * Reads a 404's body. `undefined` when it is the documented "no such record" (on an endpoint
 * that documents one: `documented`); otherwise what the server said, for the error: the
 * framework's `Cannot <METHOD> /…` where it wrote one, else its message or a summary of the body.
 */
export const unservedRoute = (text: string, documented: boolean): string | undefined => {
  const body = parseJson(text)
  const details = Option.flatMap(body, readErrorBody)
  const texts = Option.match(details, {
    onNone: () => [text],
    onSome: (d) => [d.customMessage ?? "", d.serverMessage]
  })
  const framework = texts.map((t) => NO_ROUTE.exec(t)?.[0]).find((match) => match !== undefined)
  if (framework !== undefined) return framework
  if (documented && Option.isSome(body) && Either.isRight(decodeRecordNotFound(body.value))) return undefined
  return Option.match(details, {
    onNone: () => summariseText(text),
    onSome: (d) => d.customMessage ?? (d.serverMessage === "" ? summariseText(text) : d.serverMessage)
  })
}

const NAMES: Readonly<Record<Revision, string>> = { crm: "CRM", external: "External" }

/** The other revision's base URL on the same origin, read from a base URL's path (`…/api/v1` ↔ `…/api/v1/crm`). */
const otherRevision = (baseUrl: string): { readonly revision: Revision; readonly baseUrl: string } | undefined => {
  const path = new URL(baseUrl).pathname
  if (path.endsWith("/api/v1/crm")) return { revision: "external", baseUrl: baseUrl.slice(0, -"/crm".length) }
  if (path.endsWith("/api/v1")) return { revision: "crm", baseUrl: `${baseUrl}/crm` }
  return undefined
}

/**
 * Where else the endpoint may be served, for the settings in use: the other revision's default
 * for a default base URL; for the sandbox, the sandbox only (never production); for a custom base
 * URL, the same origin's other revision path, and the `revision` to set with it.
 */
const alternative = (settings: Pick<RecotapSettings, "baseUrl" | "revision">): string => {
  const { baseUrl, revision } = settings
  if (baseUrl === SANDBOX_BASE_URL && revision === "external") {
    return `the sandbox serves the External revision at ${SANDBOX_BASE_URL}: check that it offers this endpoint; ` +
      `should it serve the CRM revision, that is at ${SANDBOX_BASE_URL}/crm ` +
      `(baseUrl "${SANDBOX_BASE_URL}/crm" with revision: "crm", in place of sandbox: true)`
  }
  if (baseUrl === BASE_URLS[revision]) {
    const next: Revision = revision === "crm" ? "external" : "crm"
    return `check the base URL, or try the ${NAMES[next]} revision (revision: "${next}", base URL ${BASE_URLS[next]})`
  }
  const other = otherRevision(baseUrl)
  if (other !== undefined) {
    return `check the base URL, or try the ${NAMES[other.revision]} revision on the same host ` +
      `(baseUrl "${other.baseUrl}" with revision: "${other.revision}")`
  }
  return `check the base URL: Recotap serves the CRM revision under /api/v1/crm and the External revision ` +
    `under /api/v1, and the revision setting ("${revision}" now) must match it`
}

/**
 * Builds the error of a 404 that found no route, naming the base URL in use, what the server
 * said, and where to look instead.
 */
export const makeRouteNotFound = (settings: Pick<RecotapSettings, "baseUrl" | "revision">) => {
  const hint = alternative(settings)
  return (method: string, url: string, said: string): TransportError =>
    TransportError.routeNotFound(
      method,
      url,
      `the base URL ${settings.baseUrl} does not serve this endpoint (the server answered "${truncate(said)}"): ${hint}`
    )
}
