/**
 * Every failure a Recotap call can end with, one tagged class per thing a caller can act on.
 *
 * Reads fail with `MissingApiKey | InvalidApiKey | TransportError`; writes add only what the
 * API can answer (`BadRequest`, `NotFound`, `Conflict`). None of them ever holds the API key:
 * they carry the method, the URL (the key travels in a header, never in the URL) and the
 * server's own text, truncated.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 *
 * const program = Effect.flatMap(RecotapCrm, (crm) => crm.journeyStages.list())
 *
 * program.pipe(
 *   Effect.catchTags({
 *     MissingApiKey: () => Effect.logError("set RECOTAP_API_KEY"),
 *     InvalidApiKey: (e) => Effect.logError(e.message),
 *     TransportError: (e) => Effect.logWarning(`Recotap unreachable (${e.reason})`)
 *   })
 * )
 * ```
 *
 * @since 0.1.0
 */
// Over 400 lines: one tagged class per error with its constructors and TSDoc, kept together so
// that every failure a caller can meet is in one file (it imports no feature module).
import * as Schema from "effect/Schema"

/**
 * Why no key could be used: none configured, a blank one, a key source that failed, or the server's word.
 *
 * @since 0.1.0
 * @category schemas
 */
export const MissingApiKeyReason = Schema.Literal("NotConfigured", "Blank", "SourceFailed", "RejectedByServer")

/**
 * No API key is available. Raised before anything is sent when the key is not configured,
 * blank, or its source failed or did not answer within the timeout (the source has a timeout of
 * its own: it is never a transport `Timeout`, and never retried); or when the server answered
 * 401 `X-Api-Key header is required`.
 *
 * @since 0.1.0
 * @category errors
 */
export class MissingApiKey extends Schema.TaggedError<MissingApiKey>()("MissingApiKey", {
  reason: MissingApiKeyReason,
  detail: Schema.String,
  cause: Schema.optional(Schema.Defect)
}) {
  override get message(): string {
    return `Recotap API key missing: ${this.detail}`
  }
}

/**
 * Why the key was refused: it cannot be a header value, or the server rejected it.
 *
 * @since 0.1.0
 * @category schemas
 */
export const InvalidApiKeyReason = Schema.Literal("NotAHeaderValue", "RejectedByServer")

/**
 * The API key was refused: either locally, because it cannot be sent as a header value (control
 * or non-ASCII characters; nothing is sent), or by the server (any 401 other than a missing key,
 * for example `Invalid API key`, or API access not enabled for the workspace).
 *
 * @since 0.1.0
 * @category errors
 */
export class InvalidApiKey extends Schema.TaggedError<InvalidApiKey>()("InvalidApiKey", {
  reason: InvalidApiKeyReason,
  detail: Schema.String,
  method: Schema.optional(Schema.String),
  url: Schema.optional(Schema.String)
}) {
  override get message(): string {
    const where = this.method !== undefined && this.url !== undefined ? ` (${this.method} ${this.url})` : ""
    return `Recotap API key invalid${where}: ${this.detail}`
  }
}

/**
 * Why a request produced no usable answer.
 *
 * - `InvalidRequest`: the request could not be built from the given parameters; nothing was sent.
 * - `Transport`: the connection failed or was reset.
 * - `Timeout`: no complete answer within the per-attempt timeout, or the call's deadline passed.
 * - `StatusCode`: an HTTP status the operation does not model (408, 429, 5xx, a 400 on a read, ...).
 * - `Decode`: a body that is not JSON, does not match the documented shape, or exceeds the size cap.
 * - `Redirect`: a redirect the client refused to follow with the key (to another origin, from
 *   https to http, or too many).
 * - `RouteNotFound`: a 404 that is not the documented "no such record" answer: the base URL (or
 *   the revision) does not serve the endpoint. Not processed, not retried; the detail names the
 *   base URL to try instead.
 *
 * @since 0.1.0
 * @category schemas
 */
export const TransportErrorReason = Schema.Literal(
  "InvalidRequest",
  "Transport",
  "Timeout",
  "StatusCode",
  "Decode",
  "Redirect",
  "RouteNotFound"
)

/**
 * The request did not produce a usable answer. See {@link TransportErrorReason}.
 *
 * @since 0.1.0
 * @category errors
 */
export class TransportError extends Schema.TaggedError<TransportError>()("TransportError", {
  reason: TransportErrorReason,
  method: Schema.String,
  url: Schema.String,
  /**
   * @since 0.1.0
   *
   * @since 0.1.0
   */
  status: Schema.optional(Schema.Number),
  detail: Schema.String,
  /** Attempts made before giving up (1 when the call was not retried). */
  attempts: Schema.optional(Schema.Number),
  /** The server's `Retry-After`, in milliseconds, when it sent one. */
  retryAfterMillis: Schema.optional(Schema.Number),
  /**
   * `true` when the request certainly was not processed: never sent (connection refused, host
   * not found, a pause or deadline before sending) or refused before processing (429, 503).
   * Safe to send again, even for a create-only write.
   */
  notProcessed: Schema.optional(Schema.Boolean),
  cause: Schema.optional(Schema.Defect)
}) {
  /**
   * The `notProcessed` claim: present only when `certain`, absent otherwise (unknown is never
   * claimed either way). Every constructor, and the request path, set the claim through it.
   *
   * @since 0.1.0
   */
  static certainlyNotProcessed(certain: boolean): { readonly notProcessed?: true } {
    return certain ? { notProcessed: true } : {}
  }

  /**
   * Parameters that cannot be sent: nothing was.
   *
   * @since 0.1.0
   */
  static invalidRequest(method: string, url: string, detail: string): TransportError {
    return new TransportError({
      reason: "InvalidRequest",
      method,
      url,
      detail,
      ...TransportError.certainlyNotProcessed(true)
    })
  }

  /**
   * A body that is not JSON, not the documented shape, or too large.
   *
   * @since 0.1.0
   */
  static decode(method: string, url: string, detail: string, status?: number): TransportError {
    return new TransportError({ reason: "Decode", method, url, detail, ...(status === undefined ? {} : { status }) })
  }

  /**
   * No complete answer in time.
   *
   * @since 0.1.0
   */
  static timeout(method: string, url: string, detail: string): TransportError {
    return new TransportError({ reason: "Timeout", method, url, detail })
  }

  /**
   * A redirect refused: to another origin, a downgrade to http, or one too many.
   *
   * @since 0.1.0
   */
  static redirect(method: string, url: string, status: number, detail: string): TransportError {
    return new TransportError({ reason: "Redirect", method, url, status, detail })
  }

  /**
   * A 404 that says the base URL does not serve the endpoint: certainly not processed.
   *
   * @since 0.1.0
   */
  static routeNotFound(method: string, url: string, detail: string): TransportError {
    return new TransportError({
      reason: "RouteNotFound",
      method,
      url,
      status: 404,
      detail,
      ...TransportError.certainlyNotProcessed(true)
    })
  }

  /**
   * The connection failed or was reset. `neverSent` when the cause proves the request did not
   * leave (connection refused, host not found).
   *
   * @since 0.1.0
   */
  static transport(method: string, url: string, detail: string, cause: unknown, neverSent: boolean): TransportError {
    return new TransportError({
      reason: "Transport",
      method,
      url,
      detail,
      cause,
      ...TransportError.certainlyNotProcessed(neverSent)
    })
  }

  /**
   * An HTTP status the operation does not model. `notProcessed` when the status proves the
   * request was refused before processing.
   *
   * @since 0.1.0
   */
  static status(
    method: string,
    url: string,
    status: number,
    detail: string,
    extra: { readonly retryAfterMillis?: number | undefined; readonly notProcessed?: boolean | undefined } = {}
  ): TransportError {
    return new TransportError({
      reason: "StatusCode",
      method,
      url,
      status,
      detail,
      ...(extra.retryAfterMillis === undefined ? {} : { retryAfterMillis: extra.retryAfterMillis }),
      ...TransportError.certainlyNotProcessed(extra.notProcessed === true)
    })
  }

  /**
   * The same error after `attempts` attempts, claiming `notProcessed` only if `everyNotProcessed`
   * (a 503 after a 500 says nothing of what the 500 did). Field by field: `cause` is not an
   * enumerable property of an error, so spreading would lose it.
   *
   * @since 0.1.0
   */
  withHistory(attempts: number, everyNotProcessed: boolean, detail: string = this.detail): TransportError {
    return new TransportError({
      reason: this.reason,
      method: this.method,
      url: this.url,
      detail,
      attempts,
      ...(this.status === undefined ? {} : { status: this.status }),
      ...(this.retryAfterMillis === undefined ? {} : { retryAfterMillis: this.retryAfterMillis }),
      ...TransportError.certainlyNotProcessed(everyNotProcessed && this.notProcessed === true),
      ...(this.cause === undefined ? {} : { cause: this.cause })
    })
  }

  override get message(): string {
    const status = this.status === undefined ? "" : ` with status ${this.status}`
    const attempts = this.attempts === undefined || this.attempts === 1 ? "" : ` after ${this.attempts} attempts`
    return `${this.method} ${this.url} failed${status}${attempts} (${this.reason}): ${this.detail}`
  }
}

/**
 * One failed validation rule as the API reports it: the property and its rule → message map.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Violation = Schema.Struct({
  property: Schema.String,
  constraints: Schema.Record({ key: Schema.String, value: Schema.String })
})

/**
 * @see {@link Violation}
 *
 * @since 0.1.0
 * @category schemas
 */
export type Violation = typeof Violation.Type

const ServerAnswer = {
  method: Schema.String,
  url: Schema.String,
  /** The server's `message` (the HTTP reason phrase, or validation messages joined). */
  serverMessage: Schema.String,
  /** The server's `customMessage`, when it set one. */
  customMessage: Schema.optional(Schema.String)
}

const describe = (name: string, e: { readonly serverMessage: string; readonly customMessage?: string | undefined }) =>
  `${name}: ${e.customMessage ?? e.serverMessage}`

/**
 * 400: a write was refused: by the API (`origin: "server"`): failed validation (see
 * `violations`) or a business rule (see `customMessage`, e.g. an unknown custom-field key); or
 * here, before anything was sent (`origin: "client"`), because the input failed its schema.
 *
 * @since 0.1.0
 * @category errors
 */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  ...ServerAnswer,
  origin: Schema.Literal("server", "client"),
  violations: Schema.Array(Violation)
}) {
  override get message(): string {
    const who = this.origin === "client" ? "Invalid request, not sent" : "Recotap rejected the request"
    const rules = this.violations.filter((v) => Object.keys(v.constraints).length > 0).map((v) => {
      const messages = Object.values(v.constraints).join(", ")
      return v.property === "" || messages.startsWith(v.property) ? messages : `${v.property}: ${messages}`
    })
    const text = rules.join("; ")
    // Server text is bounded field by field; bound the whole too, as many fields add up.
    return rules.length > 0 ? `${who}: ${text.length > 1000 ? `${text.slice(0, 1000)}…` : text}` : describe(who, this)
  }
}

/**
 * 404: the addressed record does not exist (updating an unknown account, the only endpoint that
 * documents a 404), in Recotap's documented form. Any other 404 is a `TransportError`
 * (`RouteNotFound`): the base URL does not serve the endpoint.
 *
 * @since 0.1.0
 * @category errors
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", ServerAnswer) {
  override get message(): string {
    return describe("Recotap found no such record", this)
  }
}

/**
 * 409: the record already exists (a custom field with the same key, an existing pipeline).
 *
 * @since 0.1.0
 * @category errors
 */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", ServerAnswer) {
  override get message(): string {
    return describe("Recotap record already exists", this)
  }
}

/**
 * Declared custom fields that exist in Recotap with another definition: another `labelType`, or
 * (for a selection) other options. `fields` has one entry per such field: its `key`, what was
 * `declared`, what is `existing`, and a `reason` in words. Recotap has no endpoint to change a
 * field: change the declaration, or the field in Recotap's settings.
 *
 * @since 0.1.0
 * @category errors
 */
export class CustomFieldMismatch extends Schema.TaggedError<CustomFieldMismatch>()("CustomFieldMismatch", {
  /** One entry per differing field, in declaration order. */
  fields: Schema.NonEmptyArray(Schema.Struct({
    /** The Recotap key, e.g. `CONTRACT_VALUE_C`. */
    key: Schema.String,
    /** What was declared. */
    declared: Schema.Struct({ labelType: Schema.String, options: Schema.Array(Schema.String) }),
    /** What Recotap holds (absent when a create was refused as a duplicate, yet no such field is listed). */
    existing: Schema.optional(Schema.Struct({ labelType: Schema.String, options: Schema.Array(Schema.String) })),
    /** How they differ, in words: `exists as singleLineText, declared number`. */
    reason: Schema.String
  }))
}) {
  override get message(): string {
    return `Recotap custom fields differ from their declaration: ${
      this.fields.map((field) => `${field.key} ${field.reason}`).join("; ")
    }`
  }
}

/**
 * The value stored under the checkpoint key cannot be read as a checkpoint. The run stops before
 * anything is requested: a checkpoint that cannot be read is not taken for "none", which would
 * silently sync every account again. Fix the value (an ISO 8601 date-time with a time zone, such
 * as `2026-04-30T10:00:00.000Z`), or remove the key to sync every account again on purpose.
 *
 * @since 0.1.0
 * @category errors
 */
export class CheckpointCorrupt extends Schema.TaggedError<CheckpointCorrupt>()("CheckpointCorrupt", {
  /** The key it is stored under. */
  key: Schema.String,
  /** The stored value (its first 100 characters). */
  value: Schema.String,
  /** What the value should have been, when it is not the checkpoint itself (the job's dead letters). */
  expected: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return this.expected === undefined
      ? `The checkpoint stored under "${this.key}" is not an ISO 8601 date-time: ${JSON.stringify(this.value)}. ` +
        "Fix it, or remove the key to sync every account again"
      : `The value stored under "${this.key}" cannot be read as ${this.expected}: ${JSON.stringify(this.value)}. ` +
        "Fix it, or remove the key to let them go"
  }
}

/**
 * The client refused to be built in a browser: its API key would ship to every visitor, who
 * could read it and act on the workspace. Raised when the `RecotapCrm` layer (or `make`) is
 * built where `window`, `window.document` and `navigator` all exist, unless the settings opt in
 * with `dangerouslyAllowBrowser: true` (`RECOTAP_DANGEROUSLY_ALLOW_BROWSER=true`): do so only
 * when the key is not a secret there (a proxy that adds the real key, a key of a workspace made
 * for a demo). Never raised by a call; the simulator's layers opt in, as they hold no real key.
 *
 * @since 0.1.0
 * @category errors
 */
export class BrowserNotAllowed extends Schema.TaggedError<BrowserNotAllowed>()("BrowserNotAllowed", {}) {
  override get message(): string {
    return "The Recotap client refuses to run in a browser: its API key would be exposed to every visitor. " +
      "Call Recotap from a server, or set dangerouslyAllowBrowser: true " +
      "(RECOTAP_DANGEROUSLY_ALLOW_BROWSER=true) if the key may be public there"
  }
}

/**
 * What every read can fail with.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadError = MissingApiKey | InvalidApiKey | TransportError

/**
 * Everything any call can fail with: the service's errors, `customFields.ensure`'s
 * `CustomFieldMismatch` and the sync job's `CheckpointCorrupt`.
 *
 * @since 0.1.0
 * @category models
 */
export type RecotapError =
  | ReadError
  | BadRequest
  | NotFound
  | Conflict
  | CustomFieldMismatch
  | CheckpointCorrupt
