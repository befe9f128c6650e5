/**
 * What the fast paths (`src/internal/cleanAccount.ts` for account records, `src/internal/fastCodecs.ts`
 * for bulk items and results) save over the schema interpreter.
 *
 *   npx tsx bench/decode.ts
 *
 * For each case, one "page" of 100 realistic values is decoded (or encoded) item by item, the
 * way the client does it: with the schema (`Schema.decodeUnknownEither` / `encodeEither`) and
 * with the fast codec. Rounds alternate between the two so that neither profits from warm-up
 * alone; it prints the median µs per page of each and their ratio.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { AccountInput, AccountPushResult, AccountRecord } from "../src/Account.js"
import { DealInput } from "../src/Deal.js"
import { readCleanRecord } from "../src/internal/cleanAccount.js"
import { fastDecoder, fastItemEncoder } from "../src/internal/fastCodecs.js"

const ROUNDS = 31
const PAGES_PER_ROUND = 200
const PAGE = 100

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** An account as `GET /accounts` sends it (some unscored, some not pushed by us, some sparse). */
const wireAccount = (i: number): unknown => ({
  externalId: i % 7 === 0 ? null : `crm-${i}`,
  name: `Company ${i}`,
  domain: `company${i}.com`,
  rtp_aid: `rtp_${(1_000_000 + i).toString(36)}`,
  rtp_account_score: i % 5 === 0 ? 0 : (i * 37) % 101,
  rtp_journey_stage: i % 5 === 0 ? "" : ["Aware", "Consideration", "Opportunity", "Customer"][i % 4]!,
  rtp_advertising_activity_score: (i * 13) % 100,
  rtp_website_intent_score: (i * 17) % 100,
  rtp_g2_intent_score: i % 3 === 0 ? null : (i * 19) % 100,
  rtp_bombora_intent_score: (i * 23) % 100,
  rtp_last_account_date: new Date(Date.UTC(2026, 3, 1) + i * 3_600_000).toISOString(),
  customFields: i % 4 === 0 ? {} : { industry: "Software", employees: 50 + i, tier: i % 2 === 0 ? "A" : null }
})

const pushResult = (i: number): unknown =>
  i % 10 === 0
    ? {
      externalId: `crm-${i}`,
      rtp_aid: null,
      domain: `company${i}.com`,
      status: "failed",
      error: "domain already exists"
    }
    : { externalId: `crm-${i}`, rtp_aid: `rtp_${i}`, domain: `company${i}.com`, status: "created", error: null }

const accountInput = (i: number): AccountInput => ({
  externalId: `crm-${i}`,
  name: `Company ${i}`,
  domain: `company${i}.com`,
  ...(i % 3 === 0 ? { tags: ["enterprise", "emea"] } : {}),
  ...(i % 2 === 0 ? { customFields: { industry: "Software", employees: 50 + i, regions: ["emea", "na"] } } : {})
})

const dealInput = (i: number): DealInput => ({
  externalDealId: `deal-${i}`,
  name: `Deal ${i}`,
  amount: 1_000 * i,
  stageId: "s1",
  startDate: new Date(Date.UTC(2026, 0, 1 + (i % 28))),
  closedDate: "2026-06-30",
  ownerEmail: `rep${i % 5}@example.com`,
  associatedAccounts: [{ domain: `company${i}.com` }]
})

interface Case {
  readonly name: string
  readonly schema: (item: any) => Either.Either<unknown, unknown>
  readonly fast: (item: any) => Either.Either<unknown, unknown>
  readonly items: ReadonlyArray<unknown>
}

const cases: ReadonlyArray<Case> = [
  {
    name: "GET /accounts: decode a page of 100 accounts",
    schema: Schema.decodeUnknownEither(AccountRecord, { errors: "all" }),
    fast: (raw) => {
      const clean = readCleanRecord(raw)
      return clean === undefined ? Either.left(raw) : Either.right(clean)
    },
    items: Array.from({ length: PAGE }, (_, i) => wireAccount(i))
  },
  {
    name: "accounts.push: decode 100 results",
    schema: Schema.decodeUnknownEither(AccountPushResult),
    fast: fastDecoder(AccountPushResult),
    items: Array.from({ length: PAGE }, (_, i) => pushResult(i))
  },
  {
    name: "accounts.push: encode 100 items",
    schema: Schema.encodeEither(AccountInput, { onExcessProperty: "error" }),
    fast: fastItemEncoder(AccountInput),
    items: Array.from({ length: PAGE }, (_, i) => accountInput(i))
  },
  {
    name: "deals.push: encode 100 items",
    schema: Schema.encodeEither(DealInput, { onExcessProperty: "error" }),
    fast: fastItemEncoder(DealInput),
    items: Array.from({ length: PAGE }, (_, i) => dealInput(i))
  }
]

/** µs per page: `PAGES_PER_ROUND` pages, each item through `codec`. */
const round = (codec: Case["schema"], items: ReadonlyArray<unknown>): number => {
  let failures = 0
  const start = performance.now()
  for (let p = 0; p < PAGES_PER_ROUND; p++) {
    for (let i = 0; i < items.length; i++) if (Either.isLeft(codec(items[i]))) failures++
  }
  const elapsed = performance.now() - start
  if (failures > 0) throw new Error(`${failures} items failed: the sample is not valid`)
  return (elapsed * 1_000) / PAGES_PER_ROUND
}

for (const c of cases) {
  const schemaTimes: Array<number> = []
  const fastTimes: Array<number> = []
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      schemaTimes.push(round(c.schema, c.items))
      fastTimes.push(round(c.fast, c.items))
    } else {
      fastTimes.push(round(c.fast, c.items))
      schemaTimes.push(round(c.schema, c.items))
    }
  }
  // Warm-up rounds are in the samples; the median keeps them out.
  const s = median(schemaTimes)
  const f = median(fastTimes)
  console.log(`${c.name}\n  schema ${s.toFixed(1)} µs/page   fast ${f.toFixed(1)} µs/page   ×${(s / f).toFixed(1)}`)
}
