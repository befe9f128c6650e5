/**
 * Realistic accounts for the benchmarks: every field `GET /accounts` documents (the API
 * reference, §2.1), a few custom fields, and the push inputs of `POST /accounts` (§2.2).
 *
 * Account `i` is a pure function of `i`, so the server can serve a million of them without
 * storing any: a page is built when asked for (or once, ahead of time, for the first pages).
 */

const ADJECTIVES = [
  "Acme",
  "Blue",
  "Northern",
  "Quantum",
  "Silver",
  "Bright",
  "Prime",
  "Global",
  "Summit",
  "Vertex",
  "Nimbus",
  "Cobalt"
]
const NOUNS = [
  "Analytics",
  "Robotics",
  "Logistics",
  "Health",
  "Software",
  "Energy",
  "Foods",
  "Capital",
  "Systems",
  "Networks",
  "Labs"
]
const SUFFIXES = ["Inc.", "Ltd", "GmbH", "LLC", "S.A.", "Pty Ltd", "Corp."]
const STAGES = ["Unaware", "Aware", "Consideration", "Opportunity", "Customer"]
const CRM_STAGES = ["Lead", "POC", "Negotiation", "Closed Won", null]
const INDUSTRIES = ["Software", "Manufacturing", "Retail", "Financial Services", "Healthcare"]

/** 2026-04-30T09:00:00.000Z */
const BASE_TIME = Date.UTC(2026, 3, 30, 9, 0, 0)

/** Recotap's own ID of account `i`: 24 hex digits, like a MongoDB ObjectId; the last 12 are `i`. */
export const rtpAidOf = (i: number): string => `6a21b8855a81${i.toString(16).padStart(12, "0")}`

/** The index an `rtp_aid` of {@link rtpAidOf} stands for, or `undefined`. */
export const indexOfRtpAid = (aid: string): number | undefined => {
  if (!/^6a21b8855a81[0-9a-f]{12}$/.test(aid)) return undefined
  return Number.parseInt(aid.slice(12), 16)
}

const slug = (i: number) =>
  `${ADJECTIVES[i % ADJECTIVES.length]}-${NOUNS[Math.floor(i / 7) % NOUNS.length]}`.toLowerCase()

/** Account `i` as `GET /accounts` returns it. One in ten is "not yet scored" (zeros, empty stage). */
export const accountAt = (i: number) => {
  const scored = i % 10 !== 0
  return {
    externalId: `crm-${i}`,
    name: `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / 7) % NOUNS.length]} ${
      SUFFIXES[i % SUFFIXES.length]
    }`,
    domain: `${slug(i)}-${i}.com`,
    rtp_aid: rtpAidOf(i),
    rtp_account_score: scored ? (i * 37) % 101 : 0,
    rtp_journey_stage: scored ? STAGES[i % STAGES.length]! : "",
    rtp_advertising_activity_score: scored ? (i * 13) % 100 : 0,
    rtp_website_intent_score: scored ? (i * 29) % 100 : 0,
    rtp_g2_intent_score: scored ? (i * 7) % 100 : 0,
    rtp_bombora_intent_score: scored ? (i * 53) % 100 : 0,
    rtp_last_account_date: new Date(BASE_TIME - (i % 100_000) * 60_000).toISOString(),
    customFields: {
      CRM_STAGE_C: CRM_STAGES[i % CRM_STAGES.length]!,
      RENEWAL_DATE_C: i % 3 === 0 ? null : `2027-0${1 + (i % 9)}-15`,
      CONTRACT_VALUE_C: 1_000 + ((i * 97) % 90_000),
      INDUSTRY_C: INDUSTRIES[i % INDUSTRIES.length]!
    }
  }
}

/** One account to push (the CRM revision: `externalId` required), with every optional field. */
export interface PushInput {
  readonly externalId: string
  readonly domain: string
  readonly name: string
  readonly shortName: string
  readonly linkedinUrl: string
  readonly tags: ReadonlyArray<string>
  readonly customFields: { readonly [key: string]: string | number | null }
}

/** `n` distinct accounts to push. */
export const pushInputs = (n: number, tag = "push"): Array<PushInput> =>
  Array.from({ length: n }, (_, i) => ({
    externalId: `${tag}-${i}`,
    domain: `${tag}-${slug(i)}-${i}.com`,
    name: `${ADJECTIVES[i % ADJECTIVES.length]} ${NOUNS[Math.floor(i / 7) % NOUNS.length]} ${
      SUFFIXES[i % SUFFIXES.length]
    }`,
    shortName: `${ADJECTIVES[i % ADJECTIVES.length]}`,
    linkedinUrl: `https://www.linkedin.com/company/${slug(i)}-${i}`,
    tags: i % 2 === 0 ? ["icp", "tier-1"] : ["tier-2"],
    customFields: { CRM_STAGE_C: CRM_STAGES[i % CRM_STAGES.length]!, CONTRACT_VALUE_C: 1_000 + ((i * 97) % 90_000) }
  }))

/** Seeds for the in-process simulator: the same accounts as the bench server serves. */
export const simulatorSeeds = (n: number) =>
  Array.from({ length: n }, (_, i) => {
    const a = accountAt(i)
    return {
      externalId: a.externalId,
      name: a.name,
      domain: a.domain,
      customFields: a.customFields,
      scores: {
        rtp_account_score: a.rtp_account_score,
        rtp_journey_stage: a.rtp_journey_stage,
        rtp_advertising_activity_score: a.rtp_advertising_activity_score,
        rtp_website_intent_score: a.rtp_website_intent_score,
        rtp_g2_intent_score: a.rtp_g2_intent_score,
        rtp_bombora_intent_score: a.rtp_bombora_intent_score
      }
    }
  })
