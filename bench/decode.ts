/**
 * What the fast paths save over the schema interpreter: the plain check of an account record
 * (`src/internal/cleanAccount.ts`), the page decoder that skips re-checking what it built
 * (`decodeAccountsPage`, `src/internal/accountRecord.ts`), the plain check of a push item
 * (`src/internal/cleanAccountInput.ts`) and that of a push answer's entry
 * (`src/internal/cleanPushResult.ts`).
 *
 *   npx tsx bench/decode.ts
 *
 * For each case, one page of 100 realistic accounts is decoded (or 100 items encoded) the way the
 * client does it and with the schema alone (`Schema.decodeUnknownEither` / `encodeEither`). Rounds alternate between the two so that
 * neither profits from warm-up alone; it prints the median µs per page of each and their ratio.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { AccountInput, AccountPushResult, AccountRecord, Accounts } from "../src/Account.js"
import { decodeAccountsPage } from "../src/internal/accountRecord.js"
import { readCleanRecord } from "../src/internal/cleanAccount.js"
import { encodeCleanAccountInput } from "../src/internal/cleanAccountInput.js"
import { readCleanPushResult } from "../src/internal/cleanPushResult.js"

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

const accountInput = (i: number): AccountInput => ({
  externalId: `crm-${i}`,
  name: `Company ${i}`,
  domain: `company${i}.com`,
  ...(i % 3 === 0 ? { tags: ["enterprise", "emea"] } : {}),
  ...(i % 2 === 0 ? { customFields: { industry: "Software", employees: 50 + i, regions: ["emea", "na"] } } : {})
})

interface Case {
  readonly name: string
  readonly schema: (item: any) => Either.Either<unknown, unknown>
  readonly fast: (item: any) => Either.Either<unknown, unknown>
  readonly items: ReadonlyArray<unknown>
}

const accounts = Array.from({ length: PAGE }, (_, i) => wireAccount(i))

const cases: ReadonlyArray<Case> = [
  {
    name: "one account record at a time (100): the plain check against AccountRecord",
    schema: Schema.decodeUnknownEither(AccountRecord, { errors: "all" }),
    fast: (raw) => {
      const clean = readCleanRecord(raw)
      return clean === undefined ? Either.left(raw) : Either.right(clean)
    },
    items: accounts
  },
  {
    name: "GET /accounts: a page of 100 accounts, decodeAccountsPage against Accounts",
    schema: Schema.decodeUnknownEither(Accounts),
    fast: decodeAccountsPage,
    items: [{ data: accounts, nextCursor: "c2", hasNextPage: true, syncTimestamp: "2026-04-22T10:30:00Z" }]
  },
  {
    name: "accounts.push: encode 100 items, the plain check against AccountInput",
    schema: Schema.encodeEither(AccountInput, { onExcessProperty: "error" }),
    fast: (item) => {
      const sent = encodeCleanAccountInput(item)
      return sent === undefined ? Either.left(item) : Either.right(sent)
    },
    items: Array.from({ length: PAGE }, (_, i) => accountInput(i))
  },
  {
    name: "accounts.push: decode the answer's 100 entries, the plain check against AccountPushResult",
    schema: Schema.decodeUnknownEither(AccountPushResult),
    fast: (entry) => {
      const read = readCleanPushResult(entry)
      return read === undefined ? Either.left(entry) : Either.right(read)
    },
    items: Array.from({ length: PAGE }, (_, i) => ({
      externalId: `crm-${i}`,
      rtp_aid: `6a21b8855a81${i.toString(16).padStart(12, "0")}`,
      domain: `company${i}.com`,
      status: "created"
    }))
  }
]

/** µs per page: `PAGES_PER_ROUND` times, each item through `codec`. */
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
