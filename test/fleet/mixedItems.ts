/**
 * The items of the mixed outbox crash test, the same in the worker that offers them and in the
 * test that checks them: item `i` is, by `i % 5`, an account push, an account update, an
 * external-ID mapping, a deal push or a sales activity, each with its own key.
 */
import type * as Fleet from "../../src/Fleet.js"
import type { Simulator } from "../../src/simulator/index.js"

/** The custom field every update sets. */
export const TIER = "TIER_C"

/** Item `i`. */
export const mixedItem = (i: number): Fleet.OutboxItem => {
  switch (i % 5) {
    case 0:
      return { _tag: "AccountPush", account: { externalId: `crm-${i}`, domain: `d${i}.example`, name: `Company ${i}` } }
    case 1:
      return {
        _tag: "AccountUpdate",
        ref: { externalId: `seed-${i}` },
        update: { customFields: { [TIER]: `tier-${i}` } }
      }
    case 2:
      return { _tag: "ExternalIdMapping", mapping: { domain: `m${i}.example`, externalId: `map-${i}` } }
    case 3:
      return { _tag: "DealPush", deal: { externalDealId: `deal-${i}`, name: `Deal ${i}`, amount: i } }
    default:
      return {
        _tag: "SalesActivityPush",
        activity: {
          externalActivityId: `act-${i}`,
          activityType: "email",
          occurredAt: "2026-04-22T10:30:00Z",
          domain: `seed${i}.example`,
          ownerEmail: "rita@seller.com",
          contacts: [{ email: `ann${i}@example.com` }]
        }
      }
  }
}

/** What Recotap holds before the first of `count` items: the custom field, the accounts to update and to map. */
export const seedMixed = (sim: Simulator, count: number): void => {
  sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
  const indices = Array.from({ length: count }, (_, i) => i)
  sim.seedAccounts([
    ...indices.filter((i) => i % 5 === 1).map((i) => ({
      externalId: `seed-${i}`,
      domain: `seed${i}.example`,
      name: `Seed ${i}`
    })),
    ...indices.filter((i) => i % 5 === 2).map((i) => ({ domain: `m${i}.example`, name: `Unmapped ${i}` }))
  ])
}
