/** Recotap's envelopes and error shapes, as the simulator writes them. */
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

/** The validation-error envelope: `message`, the violations in `data`, no `customMessage`. */
export const invalid = (where: Where, violations: ReadonlyArray<Violation>): Respond =>
  json(400, { statusCode: 400, timestamp: where.timestamp, path: where.path, message: "Bad Request", data: violations })

/** The business-error envelope: `message`, `customMessage`, `data: null`. */
export const refuse = (where: Where, status: number, customMessage: string): Respond =>
  json(status, {
    statusCode: status,
    timestamp: where.timestamp,
    path: where.path,
    message: reason[status] ?? "Error",
    customMessage,
    data: null
  })

/** The framework's answer for an unknown route: `Cannot GET /api/v1/crm/nope`. */
export const noRoute = (where: Where, method: string): Respond =>
  json(404, {
    statusCode: 404,
    timestamp: where.timestamp,
    path: where.path,
    message: `Cannot ${method} ${where.path}`,
    error: "Not Found"
  })

/** Collects violations while checking a request. */
export class Checks {
  readonly violations: Array<Violation> = []

  /** Records a failed rule on a property. */
  fail(property: string, rule: string, message: string): void {
    const existing = this.violations.find((v) => v.property === property)
    if (existing) (existing.constraints as Record<string, string>)[rule] = message
    else this.violations.push({ property, constraints: { [rule]: message } })
  }

  /** `true` when nothing failed. */
  get passed(): boolean {
    return this.violations.length === 0
  }
}
