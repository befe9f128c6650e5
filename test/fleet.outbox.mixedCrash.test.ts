/**
 * The outbox across a crash, with every kind of item: account pushes, account updates,
 * external-ID mappings, deal pushes and sales activities offered by one worker process, drained
 * by another that is killed (SIGKILL) while Recotap applies a request of sales activities it has
 * sent, then restarted. One simulator server, one real redis-server (started by this file on a
 * free loopback port, persistence off).
 */
import { describe, expect, it } from "@effect/vitest"
import { Redis } from "ioredis"
import type { ChildProcessWithoutNullStreams } from "node:child_process"
import { listen, Simulator } from "../src/simulator/index.js"
import { mixedItem, seedMixed, TIER } from "./fleet/mixedItems.js"
import { offerThenKillDrain, outboxWorkers, until } from "./fleet/outboxProcesses.js"
import { hasRedisServer, missingRedis } from "./fleet/redisServer.js"
import { workerProcessesForThisFile } from "./fleet/workerProcesses.js"

const KEY = "rk_live_fleet-outbox-mixed-5c4d3e"
const ITEMS = 500
const processes = workerProcessesForThisFile(new URL("./fleet/outboxWorker.ts", import.meta.url))
const startWorker = outboxWorkers(processes.script, processes.redisPort, KEY, "mixed:")

/** The indices of the items of one kind. */
const ofKind = (tag: ReturnType<typeof mixedItem>["_tag"]) =>
  Array.from({ length: ITEMS }, (_, i) => i).filter((i) => mixedItem(i)._tag === tag)

/** The external IDs of the activities in each `POST /sales-activities` request, in order. */
const activityRequests = (sim: Simulator) =>
  sim.requests.filter((r) => r.route === "POST /sales-activities").map((r) =>
    JSON.stringify(r.body).match(/act-\d+/g) ?? []
  )

describe.skipIf(!hasRedisServer)(
  `Fleet.outbox across a crash, every kind ${hasRedisServer ? "" : missingRedis}`,
  () => {
    it(
      `${ITEMS} mixed items, the drain killed amid a request of activities and restarted: none lost, none twice`,
      async () => {
        const sim = new Simulator({ keys: [KEY] })
        seedMixed(sim, ITEMS)
        const server = await listen(sim)
        const client = new Redis({ host: "127.0.0.1", port: processes.redisPort() })
        const workers: Array<ChildProcessWithoutNullStreams> = []
        try {
          // Killed as Recotap applies the middle activity: its whole request is applied, never acknowledged.
          const offered = await offerThenKillDrain(startWorker, sim, server.baseUrl, ["offer-mixed", String(ITEMS)], {
            route: "POST /sales-activities",
            killAt: Math.ceil(ofKind("SalesActivityPush").length / 2)
          }, workers)
          expect(offered).toBe(`offered ${ITEMS}`)
          const killed = activityRequests(sim).at(-1) ?? []
          expect(killed.length).toBeGreaterThan(0)
          expect(await client.hlen("mixed:outbox:writes:sent")).toBeGreaterThan(0)

          const second = startWorker(server.baseUrl, ["drain"])
          workers.push(second.child)
          await until(
            async () =>
              (await client.llen("mixed:outbox:writes")) === 0 &&
              (await client.hlen("mixed:outbox:writes:pending")) === 0,
            40_000,
            "the outbox to drain"
          )

          // Accounts: each created by one create only (those of the killed batch were read back).
          const created = sim.requests.filter((r) => r.route === "POST /accounts")
            .flatMap((r) => JSON.stringify(r.body).match(/d\d+\.example/g) ?? [])
          expect(created.sort()).toEqual(ofKind("AccountPush").map((i) => `d${i}.example`).sort())
          expect(sim.accounts().filter((a) => /^d\d+\.example$/.test(a.domain))).toHaveLength(created.length)
          // Updates, mappings, deals: sent again where in doubt, each holding its values once.
          for (const i of ofKind("AccountUpdate")) expect(sim.account(`seed-${i}`).customFields[TIER]).toBe(`tier-${i}`)
          for (const i of ofKind("ExternalIdMapping")) expect(sim.account(`m${i}.example`).externalId).toBe(`map-${i}`)
          expect(sim.deals().map((d) => d["externalDealId"]).sort()).toEqual(
            ofKind("DealPush").map((i) => `deal-${i}`).sort()
          )
          // Activities: every one created, once (a repeated ID is refused, never stored twice).
          const activities = sim.activities().map((a) => a["externalActivityId"])
          expect([...activities].sort()).toEqual(ofKind("SalesActivityPush").map((i) => `act-${i}`).sort())

          // The dead letters: exactly the activities of the killed request, in doubt, none counted as applied.
          const letters = Object.values(await client.hgetall("mixed:outbox:writes:dead")).map((json) =>
            JSON.parse(json) as { id: string; outcome: string; reason: string }
          )
          expect(letters.map((l) => l.id).sort()).toEqual(killed.map((id) => `item-${id.slice("act-".length)}`).sort())
          for (const letter of letters) {
            expect(letter.outcome).toBe("InDoubt")
            expect(letter.reason).toContain("may already have been created before a crash")
          }
          console.log(`outbox mixed crash test: ${killed.length} activities in doubt after the kill`)
        } finally {
          for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL")
          await client.quit()
          await server.close()
        }
      },
      60_000
    )
  }
)
