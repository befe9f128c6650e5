/**
 * What `AccountSyncJob` keeps beside its checkpoint, as pure values and their stored forms:
 *
 * - the versions of the accounts it delivered lately, so that an account read again inside the
 *   overlap window, unchanged, is not handed over twice;
 * - its dead letters: records that could not be read, kept (bounded) until a later run reads the
 *   account again or the user takes them.
 */
import * as DateTime from "effect/DateTime"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Account, MalformedAccount } from "../Account.js"

// ---------------------------------------------------------------------------- versions

/**
 * A 53-bit hash of a JSON value's text (cyrb53): the same record sent twice has the same text.
 * Two versions of one account colliding is a chance of about 1 in 2^53 per change.
 */
export const fingerprint = (value: unknown): string => {
  const text = JSON.stringify(value) ?? "undefined"
  let h1 = 0xdeadbeef
  let h2 = 0x41c6ce57
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i)
    h1 = Math.imul(h1 ^ code, 2654435761)
    h2 = Math.imul(h2 ^ code, 1597334677)
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909)
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909)
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)
}

/** One delivered account: the version handed over, and when (epoch millis) it was read. */
export interface DeliveredVersion {
  readonly version: string
  readonly readAt: number
}

/** Delivered versions by `rtp_aid`. */
export type Delivered = ReadonlyMap<string, DeliveredVersion>

const DeliveredJson = Schema.parseJson(Schema.Struct({
  v: Schema.Literal(1),
  accounts: Schema.Record({ key: Schema.String, value: Schema.Tuple(Schema.String, Schema.Number) })
}))
const decodeDelivered = Schema.decodeUnknownEither(DeliveredJson)
const encodeDelivered = Schema.encodeSync(DeliveredJson)

/** The stored delivered versions; none when the text cannot be read (the cost: those come again). */
export const readDelivered = (text: Option.Option<string>): Option.Option<Delivered> =>
  Option.flatMap(text, (json) =>
    Either.match(decodeDelivered(json), {
      onLeft: () => Option.none(),
      onRight: ({ accounts }) =>
        Option.some(
          new Map(Object.entries(accounts).map(([rtpAid, [version, readAt]]) => [rtpAid, { version, readAt }]))
        )
    }))

/**
 * The delivered versions worth keeping for the next run: those read after `keepAfter` (an
 * account read before it cannot come again unchanged, since the next run asks from later), the
 * most recent `max` of them.
 */
export const writeDelivered = (delivered: Delivered, keepAfter: number, max: number): string => {
  const kept = [...delivered].filter(([, entry]) => entry.readAt > keepAfter)
    .sort(([, a], [, b]) => b.readAt - a.readAt)
    .slice(0, max)
  return encodeDelivered({
    v: 1,
    accounts: Object.fromEntries(kept.map(([rtpAid, entry]) => [rtpAid, [entry.version, entry.readAt] as const]))
  })
}

/** The version of an account as delivered: any field that differs makes another version. */
export const versionOf = (account: Account): string => fingerprint(account)

// ---------------------------------------------------------------------------- dead letters

/**
 * A record that could not be read, kept by the sync job until a later run reads that account, or
 * until it is taken with `AccountSyncJob.retryDeadLetters` or `dropDeadLetters`.
 */
export const DeadLetter = Schema.Struct({
  /** Stable for one record as received: the same record read again is the same letter. */
  id: Schema.String,
  /** The record: its position in its page, the JSON as received, and why it could not be read. */
  record: MalformedAccount,
  /** When a run first read it. */
  firstSeen: Schema.DateTimeUtc,
  /** When a run last read it. */
  lastSeen: Schema.DateTimeUtc,
  /** How many runs read it. */
  timesSeen: Schema.Number
})

export type DeadLetter = typeof DeadLetter.Type

const DeadLettersJson = Schema.parseJson(Schema.Array(DeadLetter))
export const decodeDeadLetters = Schema.decodeUnknownEither(DeadLettersJson)
export const encodeDeadLetters = Schema.encodeSync(DeadLettersJson)

/** The letter of a malformed record read at `now`, merged with the one already kept for it. */
export const letterOf = (
  record: MalformedAccount,
  now: DateTime.Utc,
  kept: DeadLetter | undefined
): DeadLetter => ({
  id: fingerprint(record.raw),
  record,
  firstSeen: kept?.firstSeen ?? now,
  lastSeen: now,
  timesSeen: (kept?.timesSeen ?? 0) + 1
})

/** The `rtp_aid` and `domain` of a raw record, where it has them as text: what a later read matches. */
const namesOf = (raw: unknown): { readonly rtpAid?: string; readonly domain?: string } => {
  if (typeof raw !== "object" || raw === null) return {}
  const rtpAid = "rtp_aid" in raw && typeof raw.rtp_aid === "string" && raw.rtp_aid.trim() !== ""
    ? raw.rtp_aid.trim().toLowerCase()
    : undefined
  const domain = "domain" in raw && typeof raw.domain === "string" && raw.domain.trim() !== ""
    ? raw.domain.trim().toLowerCase()
    : undefined
  return { ...(rtpAid === undefined ? {} : { rtpAid }), ...(domain === undefined ? {} : { domain }) }
}

/** Whether reading `account` now settles the letter: the same `rtp_aid`, or the same domain. */
export const settledBy = (letter: DeadLetter, account: Account): boolean => {
  const names = namesOf(letter.record.raw)
  return (names.rtpAid !== undefined && names.rtpAid === account.rtp_aid.trim().toLowerCase()) ||
    (names.domain !== undefined && names.domain === account.domain.trim().toLowerCase())
}

/** The letters to keep: at most `max`, the most recently seen first to stay; and how many were let go. */
export const boundLetters = (
  letters: ReadonlyArray<DeadLetter>,
  max: number
): { readonly kept: ReadonlyArray<DeadLetter>; readonly dropped: number } => {
  if (letters.length <= max) return { kept: letters, dropped: 0 }
  const kept = [...letters].sort((a, b) => DateTime.toEpochMillis(b.lastSeen) - DateTime.toEpochMillis(a.lastSeen))
    .slice(0, max)
  return { kept, dropped: letters.length - kept.length }
}
