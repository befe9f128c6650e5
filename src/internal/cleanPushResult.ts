/**
 * The fast path of decoding one entry of an `accounts.push` answer (`AccountPushResult` in
 * `src/Account.ts`): a plain check of the form nearly every entry has, answering what
 * `Schema.decodeUnknownEither(AccountPushResult)` answers, or `undefined` for anything else (the
 * schema then decides, and names the problems).
 *
 * Why: every entry of every push answer is decoded; the schema costs about 0.6 µs an entry, this
 * check a twentieth of that, some 5% of a batch's client CPU. The contract, checked by
 * `test/pushResult.test.ts` over generated entries: whenever it answers, the schema decodes the
 * same entry to a deep-equal value (the keys' order may differ: a result is read, never sent).
 */
import * as Predicate from "effect/Predicate"
import type { AccountPushResult } from "../Account.js"

const hasOwn = Object.prototype.hasOwnProperty

/** Marks a field the check is not sure of (as in `cleanAccount.ts`). */
const UNSURE = Symbol("unsure")

/** A field's value when it is absent, text or `null`; `UNSURE` for anything else. */
const textOrNull = (
  entry: Readonly<Record<string, unknown>>,
  key: string
): string | null | undefined | typeof UNSURE => {
  if (!hasOwn.call(entry, key)) return undefined
  const value = entry[key]
  return value === null || typeof value === "string" ? value : UNSURE
}

/** The entry as decoded, or `undefined` when only the schema can tell. */
export const readCleanPushResult = (entry: unknown): AccountPushResult | undefined => {
  if (!Predicate.isRecord(entry) || Object.getPrototypeOf(entry) !== Object.prototype) return undefined
  const record = entry
  const status = record["status"]
  if (typeof status !== "string" || !hasOwn.call(record, "status")) return undefined
  const externalId = textOrNull(record, "externalId")
  const rtp_aid = textOrNull(record, "rtp_aid")
  const domain = textOrNull(record, "domain")
  const error = textOrNull(record, "error")
  if (externalId === UNSURE || rtp_aid === UNSURE || domain === UNSURE || error === UNSURE) return undefined
  // The schema's fields only (it leaves any other key out); absent fields stay absent. Built field
  // by field: spreading optional parts would cost as much as the schema.
  const read: { -readonly [K in keyof AccountPushResult]: AccountPushResult[K] } = externalId === undefined
    ? { status }
    : { externalId, status }
  if (rtp_aid !== undefined) read.rtp_aid = rtp_aid
  if (domain !== undefined) read.domain = domain
  if (error !== undefined) read.error = error
  return read
}
