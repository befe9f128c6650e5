/** Short, one-line descriptions of schema failures, naming the path of each problem. */
import * as ParseResult from "effect/ParseResult"
import type { Violation } from "../RecotapError.js"

/** `limit: Expected a positive number, actual 0; …` — at most `max` problems. */
export const describeParseError = (error: ParseResult.ParseError, max = 3): string => {
  const issues = ParseResult.ArrayFormatter.formatErrorSync(error)
  const shown = issues.slice(0, max).map((issue) =>
    issue.path.length === 0 ? issue.message : `${issue.path.map(String).join(".")}: ${issue.message}`
  )
  return issues.length > max ? `${shown.join("; ")}; and ${issues.length - max} more` : shown.join("; ")
}

/** Schema failures as the API's validation violations: `{ property: "accounts.3.domain", constraints }`. */
export const toViolations = (error: ParseResult.ParseError): ReadonlyArray<Violation> =>
  ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    property: issue.path.map(String).join("."),
    constraints: { [issue._tag]: issue.message }
  }))
