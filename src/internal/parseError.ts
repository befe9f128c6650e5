/** Short, one-line descriptions of schema failures, naming the path of each problem. */
import * as ParseResult from "effect/ParseResult"
import type { Violation } from "../RecotapError.js"

interface Issue {
  readonly _tag: string
  /** The first step of the path (a struct's key), if any. */
  readonly key: PropertyKey | undefined
  /** The rest of the path, joined with `.`. */
  readonly under: string
  readonly path: string
  readonly message: string
}

const expected = /^Expected (.+), actual (.+)$/s

/**
 * The problems of a schema failure, without the noise of unions: an optional field that failed
 * also fails its `undefined` alternative (dropped when a more precise problem exists), and a
 * value outside a set of literals fails each of them (merged into one `Expected "a" | "b"`).
 */
const issuesOf = (error: ParseResult.ParseError): ReadonlyArray<Issue> => {
  const all = ParseResult.ArrayFormatter.formatErrorSync(error).map((issue) => ({
    _tag: issue._tag,
    key: issue.path[0],
    under: issue.path.slice(1).map(String).join("."),
    path: issue.path.map(String).join("."),
    message: issue.message
  }))
  const covered = (issue: Issue) =>
    all.some((other) =>
      other !== issue && !other.message.startsWith("Expected undefined") &&
      (other.path === issue.path || other.path.startsWith(`${issue.path}.`) || issue.path === "")
    )
  const kept = all.filter((issue) => !(issue.message.startsWith("Expected undefined,") && covered(issue)))
  const merged: Array<Issue> = []
  for (const issue of kept) {
    const match = expected.exec(issue.message)
    const previous = merged.find((m) => m.path === issue.path && expected.test(m.message))
    const previousMatch = previous === undefined ? null : expected.exec(previous.message)
    if (match !== null && previous !== undefined && previousMatch !== null && previousMatch[2] === match[2]) {
      // The same alternative twice (two members of a union with the same type) is said once.
      if (!previousMatch[1]!.split(" | ").includes(match[1]!)) {
        merged[merged.indexOf(previous)] = {
          ...previous,
          message: `Expected ${previousMatch[1]} | ${match[1]}, actual ${match[2]}`
        }
      }
    } else {
      merged.push(issue)
    }
  }
  return merged
}

/** `limit: Expected a positive number, actual 0; …` — at most `max` problems. */
export const describeParseError = (error: ParseResult.ParseError, max = 3): string => {
  const issues = issuesOf(error)
  const shown = issues.slice(0, max).map((
    issue
  ) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`))
  return issues.length > max ? `${shown.join("; ")}; and ${issues.length - max} more` : shown.join("; ")
}

/**
 * The problems of a struct's failure by key, each said without the key:
 * `{ "REGIONS_C" => "1: Expected \"EMEA\" | \"AMER\", actual \"Mars\"" }`. Problems of the whole
 * value (no key) are left out.
 */
export const problemsByKey = (error: ParseResult.ParseError): ReadonlyMap<PropertyKey, string> => {
  const byKey = new Map<PropertyKey, Array<string>>()
  for (const issue of issuesOf(error)) {
    if (issue.key === undefined) continue
    const said = issue.under === "" ? issue.message : `${issue.under}: ${issue.message}`
    const known = byKey.get(issue.key)
    if (known === undefined) byKey.set(issue.key, [said])
    else known.push(said)
  }
  return new Map([...byKey].map(([key, said]) => [key, said.join("; ")]))
}

/** Schema failures as the API's validation violations: `{ property: "accounts.3.domain", constraints }`. */
export const toViolations = (error: ParseResult.ParseError): ReadonlyArray<Violation> =>
  issuesOf(error).map((issue) => ({ property: issue.path, constraints: { [issue._tag]: issue.message } }))
