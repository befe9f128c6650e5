/**
 * The two ways the simulator can behave: as the docs describe the service (`reference`), or as
 * the live service was seen to behave by the integrators who tested it ([3P] notes of the API
 * reference, `observed`). Each rule names the section of the reference it comes from.
 */

/** Which behaviour the simulator follows. */
export type Profile = "reference" | "observed"

/** What differs between the profiles. */
export interface Rules {
  /**
   * §1.4, §2.1 [3P]: account changes are recorded to the whole second, `rtp_last_account_date` is
   * written without milliseconds (`2026-06-04T17:40:21Z`), the envelope `timestamp` and
   * `syncTimestamp` are whole seconds, and `lastSync` is compared to the whole second.
   */
  readonly wholeSeconds: boolean
  /**
   * How long an account write takes to show in `GET /accounts`, unless an option says otherwise
   * (seen live: a write answered at once was listed only later).
   */
  readonly readLagMillis: number
  /** §1.2 [3P]: the 401 wording unless an option says otherwise. */
  readonly unauthorized: "documented" | "live"
  /** §1.5: error bodies carry `data` (the violations, or `null`); [3P] observed flat, without it. */
  readonly errorData: boolean
  /**
   * An unknown route: NestJS's default `{ statusCode, message: "Cannot GET …", error: "Not Found" }`,
   * or (as seen live) the service's envelope with the reason in `message` and that text in `customMessage`.
   */
  readonly unknownRoute: "framework" | "envelope"
  /** §2.2: `summary` counts `updated`; [3P] observed `{ total, created, failed }` only. */
  readonly summaryCountsUpdated: boolean
  /**
   * §0: the CRM revision documents neither `upsert` on `POST /accounts` nor the `domains` filter
   * of `GET /accounts`; a whitelisting validator (NestJS's `forbidNonWhitelisted`) refuses both.
   */
  readonly crmRefusesUndocumented: boolean
}

/** The rules of each profile. */
export const PROFILES: Readonly<Record<Profile, Rules>> = {
  reference: {
    wholeSeconds: false,
    readLagMillis: 0,
    unauthorized: "documented",
    errorData: true,
    unknownRoute: "framework",
    summaryCountsUpdated: true,
    crmRefusesUndocumented: false
  },
  observed: {
    wholeSeconds: true,
    readLagMillis: 1000,
    unauthorized: "live",
    errorData: false,
    unknownRoute: "envelope",
    summaryCountsUpdated: false,
    crmRefusesUndocumented: true
  }
}

/** Checks a read lag given by a user: a finite number of milliseconds, 0 or more. */
export const checkReadLag = (millis: number): number => {
  if (!Number.isFinite(millis) || millis < 0) {
    throw new RangeError(`The read lag must be 0 or more milliseconds, not ${String(millis)}`)
  }
  return millis
}
