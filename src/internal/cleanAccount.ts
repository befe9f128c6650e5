/**
 * The fast path of `AccountRecord` (`src/internal/accountRecord.ts`): a plain check of the form nearly every
 * account of a page has, answering the record as the schema decodes it, or `undefined` for
 * anything else (the schema then decides, and names the problems).
 *
 * Why: every account of every page is decoded; `Schema.decodeUnknownEither` costs about 4 µs per
 * record, this check a fraction of that (`npx tsx bench/decode.ts`). It restates the record's
 * fields, so it answers only what it is sure of and leaves the rest to the schema: a score sent
 * as text, a field present as `undefined`, a `customFields` that is not a plain object. The
 * contract, checked by `test/accountPage.test.ts` over generated records: whenever it answers a
 * value, the schema decodes the same input to a deep-equal value with the same keys in the same
 * order. A field added to `AccountRecord` that this check does not know fails that test.
 */
import * as Predicate from "effect/Predicate"
import type * as Types from "effect/Types"
import type { AccountRecord } from "../Account.js"
import { isNonBlank } from "./params.js"

const hasOwn = Object.prototype.hasOwnProperty

/** Marks a field the check is not sure of. */
const UNSURE = Symbol("unsure")

/** An optional text field that may be sent `null` (read as absent). */
const optionalText = (raw: Readonly<Record<string, unknown>>, key: string): string | undefined | typeof UNSURE => {
  if (!hasOwn.call(raw, key)) return undefined
  const value = raw[key]
  return typeof value === "string" ? value : value === null ? undefined : UNSURE
}

/** A score: a number; missing or `null` is `0`. Numeric text is left to the schema. */
const score = (raw: Readonly<Record<string, unknown>>, key: string): number | typeof UNSURE => {
  // Own properties only, as the schema reads them: an inherited score is a missing one.
  if (!hasOwn.call(raw, key)) return 0
  const value = raw[key]
  return typeof value === "number" ? value : value === null ? 0 : UNSURE
}

/** `customFields`: a plain object, copied (its own enumerable keys); `null` or missing is absent. */
const customFields = (
  raw: Readonly<Record<string, unknown>>
): Readonly<Record<string, unknown>> | undefined | typeof UNSURE => {
  if (!hasOwn.call(raw, "customFields")) return undefined
  const value = raw.customFields
  if (value === null) return undefined
  if (!Predicate.isRecord(value) || Object.getPrototypeOf(value) !== Object.prototype) return UNSURE
  const out: Record<string, unknown> = {}
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue
    if (key === "__proto__") return UNSURE
    out[key] = value[key]
  }
  return out
}

/** The record as `AccountRecord` decodes it, or `undefined` when only the schema can tell. */
export const readCleanRecord = (raw: unknown): AccountRecord | undefined => {
  if (!Predicate.isRecord(raw)) return undefined
  const record: Readonly<Record<string, unknown>> = raw
  const { domain, name, rtp_aid } = record
  if (typeof name !== "string" || !isNonBlank(domain) || !isNonBlank(rtp_aid)) return undefined
  if (!hasOwn.call(record, "name") || !hasOwn.call(record, "domain") || !hasOwn.call(record, "rtp_aid")) {
    return undefined
  }
  const externalId = optionalText(record, "externalId")
  const rtp_account_score = score(record, "rtp_account_score")
  const stage = hasOwn.call(record, "rtp_journey_stage") ? record.rtp_journey_stage : null
  const rtp_advertising_activity_score = score(record, "rtp_advertising_activity_score")
  const rtp_website_intent_score = score(record, "rtp_website_intent_score")
  const rtp_g2_intent_score = score(record, "rtp_g2_intent_score")
  const rtp_bombora_intent_score = score(record, "rtp_bombora_intent_score")
  const lastDate = optionalText(record, "rtp_last_account_date")
  const custom = customFields(record)
  if (
    externalId === UNSURE || rtp_account_score === UNSURE || (stage !== null && typeof stage !== "string") ||
    rtp_advertising_activity_score === UNSURE || rtp_website_intent_score === UNSURE ||
    rtp_g2_intent_score === UNSURE || rtp_bombora_intent_score === UNSURE || lastDate === UNSURE || custom === UNSURE
  ) return undefined
  const rtp_journey_stage = stage ?? ""
  const known = {
    name,
    domain,
    rtp_aid,
    rtp_account_score,
    rtp_journey_stage,
    rtp_advertising_activity_score,
    rtp_website_intent_score,
    rtp_g2_intent_score,
    rtp_bombora_intent_score
  }
  // The schema's key order (`externalId` first), absent optional fields without a key. Optional
  // fields are added by assignment: conditional spreads cost V8 several times the whole check.
  const out: Types.Mutable<AccountRecord> = externalId === undefined ? known : { externalId, ...known }
  if (lastDate !== undefined) out.rtp_last_account_date = lastDate
  if (custom !== undefined) out.customFields = custom
  return out
}
