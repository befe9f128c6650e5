/**
 * `Fleet.outbox` against a real redis-server (started by this file on a free loopback port,
 * persistence off) and the in-memory simulator: offer, drain, dead letters, every kind of item,
 * and items whose earlier drain died after sending them.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Fleet from "../src/Fleet.js"
import { RecotapCrm } from "../src/RecotapCrm.js"
import type { SalesActivityInput } from "../src/SalesActivity.js"
import { Fault, RecotapSimulator } from "../src/simulator/index.js"
import { hasRedisServer, missingRedis, redisForThisFile } from "./fleet/redisServer.js"

const redisServer = redisForThisFile()

const live = (prefix: string) =>
  Layer.merge(
    RecotapSimulator.layerCrm({ config: { retry: { maxRetries: 0 } } }),
    Fleet.layerOutbox({ redis: { host: "127.0.0.1", port: redisServer.port() }, prefix, pollInterval: "20 millis" })
  )

const account = (n: number) => ({ externalId: `crm-${n}`, domain: `d${n}.example`, name: `Company ${n}` })
const push = (n: number): Fleet.OutboxItem => ({ _tag: "AccountPush", account: account(n) })

/** Drains `outbox` in a fiber until `until` holds (checked every 20 ms), then stops the drain. */
const drainUntil = (outbox: Fleet.Outbox, until: Effect.Effect<boolean>, options: Fleet.DrainOptions = {}) =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(outbox.drain({ retryDelay: 10, settle: { maxRounds: 1, backoff: 0 }, ...options }))
    while (!(yield* until)) yield* Effect.sleep(20)
    yield* Fiber.interrupt(fiber)
  })

const redisKeys = (pattern: string) => Effect.promise(() => redisServer.client().keys(pattern))

describe.skipIf(!hasRedisServer)(`Fleet.outbox ${hasRedisServer ? "" : missingRedis}`, () => {
  it.live("drains the accounts and deals offered to Recotap, once, and leaves nothing behind", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const outbox = yield* Fleet.outbox("writes")
      for (let n = 0; n < 5; n++) yield* outbox.offer(push(n))
      yield* outbox.offer({ _tag: "DealPush", deal: { externalDealId: "deal-1", name: "Big deal", amount: 1000 } })
      // Done once the items have left the queue, and their marks too.
      const left = Effect.map(redisKeys("one:outbox:*"), (keys) => keys.length === 0)
      yield* drainUntil(
        outbox,
        Effect.map(left, (empty) => empty && sim.accounts().length === 5 && sim.deals().length === 1)
      )
      expect(sim.accounts().map((a) => a.domain).sort()).toEqual([0, 1, 2, 3, 4].map((n) => `d${n}.example`))
      expect(yield* outbox.deadLetters).toEqual([])
    }).pipe(Effect.provide(live("one:"))))

  it.live("a refused item is a dead letter, readable and droppable; the others are applied", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.failItems("POST /accounts", (item) => item["domain"] === "d1.example" ? "domain is blocked" : undefined)
      const outbox = yield* Fleet.outbox("writes")
      const ids = [yield* outbox.offer(push(0)), yield* outbox.offer(push(1)), yield* outbox.offer(push(2))]
      yield* drainUntil(outbox, Effect.map(Effect.orDie(outbox.deadLetters), (letters) => letters.length === 1))
      expect(sim.accounts().map((a) => a.domain).sort()).toEqual(["d0.example", "d2.example"])
      const [letter] = yield* outbox.deadLetters
      expect(letter).toMatchObject({ id: ids[1], item: push(1), outcome: "Rejected", attempts: 1 })
      expect(letter?.reason).toContain("domain is blocked")
      expect(yield* outbox.dropDeadLetters([ids[1]!])).toBe(1)
      expect(yield* outbox.deadLetters).toEqual([])
    }).pipe(Effect.provide(live("two:"))))

  it.live("an item Recotap never answers stays in the outbox, and is a dead letter after maxAttempts drains", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.always("POST /accounts", Fault.status(503))
      const outbox = yield* Fleet.outbox("writes")
      const id = yield* outbox.offer(push(0))
      // Done once the dead letter is written and the item has left the queue (marks and lock too).
      const left = Effect.map(redisKeys("three:outbox:*"), (keys) => keys.join() === "three:outbox:writes:dead")
      yield* drainUntil(outbox, left, { maxAttempts: 3 })
      const [letter] = yield* outbox.deadLetters
      expect(letter).toMatchObject({ id, item: push(0), outcome: "Unsettled", attempts: 3 })
      expect(sim.requests.filter((r) => r.method === "POST").length).toBe(3)
      expect(sim.accounts()).toEqual([])
      expect(yield* outbox.dropDeadLetters()).toBe(1)
    }).pipe(Effect.provide(live("three:"))))

  it.live("an account sent by a drain that died before it was acknowledged is read back, not created again", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const outbox = yield* Fleet.outbox("writes")
      const sentId = yield* outbox.offer(push(0), { id: "sent-before" })
      yield* outbox.offer(push(1), { id: "never-sent" })
      // What a drain killed between its send and its acknowledgement leaves: the account on
      // Recotap, the item in the outbox, marked as sent (read back from the start).
      sim.seedAccounts([account(0)])
      yield* Effect.promise(() => redisServer.client().hset("four:outbox:writes:sent", sentId, ""))
      const left = Effect.map(redisKeys("four:outbox:*"), (keys) => keys.join() === "four:outbox:writes:ids")
      yield* drainUntil(outbox, Effect.map(left, (done) => done && sim.accounts().length === 2))
      expect(sim.accounts().map((a) => a.domain).sort()).toEqual(["d0.example", "d1.example"])
      const creates = sim.requests.filter((r) => r.method === "POST").flatMap((r) =>
        Array.isArray(r.body) ? r.body : [r.body]
      )
      expect(JSON.stringify(creates)).not.toContain("d0.example")
      expect(yield* outbox.deadLetters).toEqual([])
    }).pipe(Effect.provide(live("four:"))))
})

const update = (n: number, tier: string): Fleet.OutboxItem => ({
  _tag: "AccountUpdate",
  ref: { externalId: `crm-${n}` },
  update: { customFields: { TIER_C: tier } }
})
const mapping = (n: number, externalId: string): Fleet.OutboxItem => ({
  _tag: "ExternalIdMapping",
  mapping: { domain: `d${n}.example`, externalId }
})
const call = (id: string): SalesActivityInput => ({
  externalActivityId: id,
  activityType: "call",
  occurredAt: "2026-04-22T10:30:00Z",
  domain: "d0.example",
  ownerEmail: "rita@seller.com",
  contacts: [{ email: "ann@d0.example" }]
})
const activity = (id: string): Fleet.OutboxItem => ({ _tag: "SalesActivityPush", activity: call(id) })

/** A custom field `TIER_C`, the account `crm-0` and, without an external ID, `d1.example`. */
const seedTier = (sim: RecotapSimulator["Type"]) => {
  sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
  sim.seedAccounts([account(0), { domain: "d1.example", name: "Company 1" }])
}

/** The bodies of the requests `method` received. */
const bodies = (sim: RecotapSimulator["Type"], method: string) =>
  sim.requests.filter((r) => r.method === method).map((r) => JSON.stringify(r.body))

/** What a drain killed between its send and its acknowledgement leaves: the item marked as sent. */
const markSent = (prefix: string, id: string) =>
  Effect.promise(() => redisServer.client().hset(`${prefix}outbox:writes:sent`, id, ""))

/** Done once the outbox holds no item, lock or mark: nothing but the ids given and the dead letters. */
const emptied = (prefix: string) =>
  Effect.map(redisKeys(`${prefix}outbox:*`), (keys) => keys.every((key) => /:(ids|dead)$/.test(key)))

describe.skipIf(!hasRedisServer)(
  `Fleet.outbox: updates, mappings, activities ${hasRedisServer ? "" : missingRedis}`,
  () => {
    it.live("drains account updates, external-ID mappings and sales activities to Recotap", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seedTier(sim)
        const outbox = yield* Fleet.outbox("writes")
        yield* outbox.offer(update(0, "gold"), { id: "u" })
        yield* outbox.offer(mapping(1, "crm-1"), { id: "m" })
        yield* outbox.offer(activity("call-1"), { id: "a" })
        yield* drainUntil(outbox, Effect.map(emptied("kinds:"), (done) => done && sim.activities().length === 1))
        expect(sim.account("crm-0").customFields).toEqual({ TIER_C: "gold" })
        expect(sim.account("d1.example").externalId).toBe("crm-1")
        expect(sim.activities().map((a) => a["externalActivityId"])).toEqual(["call-1"])
        expect(yield* outbox.deadLetters).toEqual([])
      }).pipe(Effect.provide(live("kinds:"))))

    it.live("an item that is not valid is refused before it is stored: nothing reaches Redis", () =>
      Effect.gen(function*() {
        const outbox = yield* Fleet.outbox("writes")
        const invalid: ReadonlyArray<Fleet.OutboxItem> = [
          { _tag: "AccountUpdate", ref: { externalId: " " }, update: {} },
          { _tag: "AccountUpdate", ref: { externalId: ".." }, update: {} },
          // @ts-expect-error exactly one of externalId and rtpAid
          { _tag: "AccountUpdate", ref: { externalId: "crm-1", rtpAid: "0123456789abcdef01234567" }, update: {} },
          { _tag: "ExternalIdMapping", mapping: { domain: "", externalId: "crm-1" } },
          { _tag: "SalesActivityPush", activity: { ...call("x"), contacts: [{ name: "No email" }] } },
          { _tag: "SalesActivityPush", activity: { ...call("x"), occurredAt: "yesterday" } }
        ]
        for (const item of invalid) {
          const error = yield* Effect.flip(outbox.offer(item))
          expect(error._tag).toBe("InvalidOutboxItem")
          expect(error.message).toContain("not stored")
        }
        expect(yield* redisKeys("invalid:*")).toEqual([])
      }).pipe(Effect.provide(live("invalid:"))))

    it.live("updates, mappings and deals whose drain died after sending them are sent again, and hold once", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
        // Recotap holds what the dead drain sent: the update, the mapping, the deal.
        sim.seedAccounts([{ ...account(0), customFields: { TIER_C: "gold" } }, account(1)])
        const crm = yield* RecotapCrm
        const deal = { externalDealId: "deal-1", name: "Big deal", amount: 1000 }
        yield* crm.deals.push([deal])
        const outbox = yield* Fleet.outbox("writes")
        for (
          const [id, item] of [["u", update(0, "gold")], ["m", mapping(1, "crm-1")], ["d", {
            _tag: "DealPush",
            deal
          }]] as const
        ) {
          yield* markSent("resend:", yield* outbox.offer(item, { id }))
        }
        yield* drainUntil(outbox, emptied("resend:"))
        expect(bodies(sim, "PUT")).toEqual([JSON.stringify({ customFields: { TIER_C: "gold" } })])
        expect(bodies(sim, "PATCH")).toEqual([
          JSON.stringify({ mappings: [{ domain: "d1.example", externalId: "crm-1" }] })
        ])
        expect(bodies(sim, "POST").length).toBe(2)
        expect(sim.account("crm-0").customFields).toEqual({ TIER_C: "gold" })
        expect(sim.accounts().map((a) => a.externalId).sort()).toEqual(["crm-0", "crm-1"])
        expect(sim.deals()).toHaveLength(1)
        expect(yield* outbox.deadLetters).toEqual([])
      }).pipe(Effect.provide(live("resend:"))))

    it.live("an activity whose drain died after sending it is sent again: created then, or a dead letter InDoubt", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        const crm = yield* RecotapCrm
        // The dead drain's send of `held` reached Recotap; that of `lost` did not. `other` was
        // created by another writer, and its item was never sent: its refusal is plain.
        yield* crm.salesActivities.push([call("held"), call("other")])
        const outbox = yield* Fleet.outbox("writes")
        yield* markSent("doubt:", yield* outbox.offer(activity("held"), { id: "held" }))
        yield* markSent("doubt:", yield* outbox.offer(activity("lost"), { id: "lost" }))
        yield* outbox.offer(activity("other"), { id: "other" })
        yield* drainUntil(outbox, emptied("doubt:"))
        expect(sim.activities().map((a) => a["externalActivityId"]).sort()).toEqual(["held", "lost", "other"])
        const letters = yield* outbox.deadLetters
        expect(letters.map((l) => [l.id, l.outcome]).sort()).toEqual([["held", "InDoubt"], ["other", "Rejected"]])
        const inDoubt = letters.find((l) => l.id === "held")
        expect(inDoubt?.reason).toContain("may already have been created before a crash")
        expect(inDoubt?.reason).toContain("there is no endpoint to read sales activities back")
        expect(inDoubt?.item).toEqual(activity("held"))
      }).pipe(Effect.provide(live("doubt:"))))

    for (const maxRounds of [1, 2]) {
      it.live(`an activity whose answer was lost, refused when sent again, is InDoubt (${maxRounds} rounds a drain)`, () =>
        Effect.gen(function*() {
          const sim = yield* RecotapSimulator
          // Applied, the answer cut short: then the resend (in the same drain, or the next) meets the activity.
          sim.faults.script("POST /sales-activities", Fault.truncated())
          const outbox = yield* Fleet.outbox("writes")
          const id = yield* outbox.offer(activity("call-1"))
          yield* drainUntil(outbox, emptied(`lost${maxRounds}:`), { settle: { maxRounds, backoff: 0 } })
          expect(sim.activities()).toHaveLength(1)
          expect(bodies(sim, "POST")).toHaveLength(2)
          const [letter] = yield* outbox.deadLetters
          expect(letter).toMatchObject({ id, outcome: "InDoubt", attempts: maxRounds === 1 ? 2 : 1 })
          expect(letter?.reason).toContain("may already have been created")
        }).pipe(Effect.provide(live(`lost${maxRounds}:`))))
    }

    it.live("an activity certainly not processed loses its mark: refused later, it is Rejected, not InDoubt", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        // The first send is refused before processing (503); the resend fails for a reason of its own.
        sim.faults.script("POST /sales-activities", Fault.status(503))
        sim.failItems("POST /sales-activities", () => "owner unknown")
        const outbox = yield* Fleet.outbox("writes")
        const id = yield* outbox.offer(activity("call-1"))
        yield* drainUntil(outbox, emptied("unsent:"))
        expect(bodies(sim, "POST")).toHaveLength(2)
        const [letter] = yield* outbox.deadLetters
        expect(letter).toMatchObject({ id, outcome: "Rejected", reason: "owner unknown", attempts: 2 })
      }).pipe(Effect.provide(live("unsent:"))))

    it.live("an update of no such account, or by the other revision's key, is a dead letter; the others apply", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
        sim.seedAccounts([account(0)])
        const outbox = yield* Fleet.outbox("writes")
        yield* outbox.offer(update(0, "gold"), { id: "ok" })
        yield* outbox.offer(update(7, "gold"), { id: "missing" })
        yield* outbox.offer(
          { _tag: "AccountUpdate", ref: { rtpAid: "0123456789abcdef01234567" }, update: {} },
          { id: "other-revision" }
        )
        yield* outbox.offer(mapping(9, "crm-9"), { id: "no-domain" })
        yield* outbox.offer(
          { _tag: "AccountUpdate", ref: { externalId: "crm-0" }, update: { customFields: { NOPE_C: 1 } } },
          { id: "unknown-field" }
        )
        yield* drainUntil(outbox, emptied("refused:"))
        expect(sim.account("crm-0").customFields).toEqual({ TIER_C: "gold" })
        const letters = yield* outbox.deadLetters
        expect(letters.map((l) => [l.id, l.outcome]).sort()).toEqual([
          ["missing", "Rejected"],
          ["no-domain", "Rejected"],
          ["other-revision", "Invalid"],
          ["unknown-field", "Rejected"]
        ])
        expect(letters.find((l) => l.id === "unknown-field")?.reason).toContain("Custom field key(s) not found: NOPE_C")
        expect(letters.find((l) => l.id === "missing")?.reason).toContain("crm-7")
        expect(letters.find((l) => l.id === "other-revision")?.reason).toContain("rtpAid needs revision")
      }).pipe(Effect.provide(live("refused:"))))

    it.live("items of one key in one batch are settled one after another, not refused as repeats", () =>
      Effect.gen(function*() {
        const sim = yield* RecotapSimulator
        seedTier(sim)
        const outbox = yield* Fleet.outbox("writes")
        yield* outbox.offer(mapping(1, "crm-1a"))
        yield* outbox.offer(mapping(1, "crm-1b"))
        yield* outbox.offer(update(0, "gold"))
        yield* outbox.offer(update(0, "silver"))
        yield* drainUntil(outbox, emptied("waves:"), { batchSize: 10 })
        expect(yield* outbox.deadLetters).toEqual([])
        // One request each: two waves of one mapping, two updates one after the other.
        expect(bodies(sim, "PATCH")).toHaveLength(2)
        expect(bodies(sim, "PUT")).toHaveLength(2)
        expect(["crm-1a", "crm-1b"]).toContain(sim.account("d1.example").externalId)
      }).pipe(Effect.provide(live("waves:"))))
  }
)
