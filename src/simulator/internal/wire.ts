/** Recotap's envelopes and error shapes, as the simulator writes them. */
import type { Rules } from "./profile.js"
import type { Respond } from "./reply.js"

/** A JSON answer. */
export const json = (status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): Respond => ({
  _tag: "Respond",
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(value),
  delayMillis: 0
})

/** One class-validator style failure: `{ property, constraints: { rule: message } }`. */
export interface Violation {
  readonly property: string
  readonly constraints: Readonly<Record<string, string>>
}

/** The answer context every envelope repeats. */
export interface Where {
  /** ISO 8601 server time. */
  readonly timestamp: string
  /** Request path, without the query (as the docs' examples show it). */
  readonly path: string
  /** The profile's rules, which decide the error shapes. */
  readonly rules: Rules
}

/** The success envelope around `data`. */
export const ok = (where: Where, data: unknown, status = 200): Respond =>
  json(status, { statusCode: status, timestamp: where.timestamp, path: where.path, data })

/** A bare JSON body, without envelope (as `GET /deal-stages` and `GET /journey-stages` answer live). */
export const bare = (value: unknown): Respond => json(200, value)

const reason: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  500: "Internal Server Error"
}

/**
 * The validation-error envelope: `message`, the violations in `data`, no `customMessage`. Without
 * `data` (as seen live), the messages are listed in `message`, as NestJS's validation pipe lists them.
 */
export const invalid = (where: Where, violations: ReadonlyArray<Violation>): Respond =>
  json(400, {
    statusCode: 400,
    timestamp: where.timestamp,
    path: where.path,
    ...(where.rules.errorData
      ? { message: "Bad Request", data: violations }
      : { message: violations.flatMap((v) => Object.values(v.constraints)) })
  })

/** The business-error envelope: `message`, `customMessage`, `data: null` (no `data`, as seen live). */
export const refuse = (where: Where, status: number, customMessage: string): Respond =>
  json(status, {
    statusCode: status,
    timestamp: where.timestamp,
    path: where.path,
    message: reason[status] ?? "Error",
    customMessage,
    ...(where.rules.errorData ? { data: null } : {})
  })

/**
 * An unknown route: the framework's `{ message: "Cannot GET /api/v1/crm/nope", error: "Not Found" }`,
 * or as seen live, the service's envelope with that text in `customMessage`.
 */
export const noRoute = (where: Where, method: string): Respond => {
  const text = `Cannot ${method} ${where.path}`
  return json(404, {
    statusCode: 404,
    timestamp: where.timestamp,
    path: where.path,
    ...(where.rules.unknownRoute === "framework"
      ? { message: text, error: "Not Found" }
      : { message: reason[404], customMessage: text })
  })
}

/** Collects violations while checking a request. */
export class Checks {
  readonly violations: Array<{ readonly property: string; readonly constraints: Record<string, string> }> = []

  /** Records a failed rule on a property. */
  fail(property: string, rule: string, message: string): void {
    const existing = this.violations.find((v) => v.property === property)
    if (existing) existing.constraints[rule] = message
    else this.violations.push({ property, constraints: { [rule]: message } })
  }

  /** `true` when nothing failed. */
  get passed(): boolean {
    return this.violations.length === 0
  }
}
