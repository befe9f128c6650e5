/**
 * `Fleet.outbox` against a real redis-server (started by this file on a free loopback port,
 * persistence off) and the in-memory simulator: offer, drain, dead letters, and an account whose
 * earlier drain died after sending it.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Fleet from "../src/Fleet.js"
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
