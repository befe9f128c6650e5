/**
 * The outbox across a crash: account pushes offered by one worker process, drained by another
 * that is killed (SIGKILL) half-way, in the middle of a batch it has sent but not acknowledged,
 * then restarted. One simulator server, one real redis-server (started by this file on a free
 * loopback port, persistence off).
 */
import { describe, expect, it } from "@effect/vitest"
import { Redis } from "ioredis"
import type { ChildProcessWithoutNullStreams } from "node:child_process"
import { listen, Simulator } from "../src/simulator/index.js"
import { offerThenKillDrain, outboxWorkers, until } from "./fleet/outboxProcesses.js"
import { hasRedisServer, missingRedis } from "./fleet/redisServer.js"
import { workerProcessesForThisFile } from "./fleet/workerProcesses.js"

const KEY = "rk_live_fleet-outbox-7d8e9f"
/** Account pushes offered: the 10,000 (about 20 s here); `OUTBOX_ITEMS` to try others. */
const ITEMS = Number(process.env["OUTBOX_ITEMS"] ?? 10_000)
const processes = workerProcessesForThisFile(new URL("./fleet/outboxWorker.ts", import.meta.url))

const startWorker = outboxWorkers(processes.script, processes.redisPort, KEY, "crash:")

describe.skipIf(!hasRedisServer)(`Fleet.outbox across a crash ${hasRedisServer ? "" : missingRedis}`, () => {
  it(
    `${ITEMS} account pushes, the drain killed half-way and restarted: each account created exactly once`,
    async () => {
      const sim = new Simulator({ keys: [KEY] })
      const server = await listen(sim)
      const client = new Redis({ host: "127.0.0.1", port: processes.redisPort() })
      const workers: Array<ChildProcessWithoutNullStreams> = []
      try {
        const started = Date.now()
        // The first drain is killed as the simulator applies the middle item of a batch it sent:
        // the batch is applied on Recotap, never acknowledged in the outbox.
        const offered = await offerThenKillDrain(startWorker, sim, server.baseUrl, ["offer", String(ITEMS)], {
          route: "POST /accounts",
          killAt: Math.ceil(ITEMS / 2)
        }, workers)
        expect(offered).toBe(`offered ${ITEMS}`)
        const inFlightAtKill = await client.hlen("crash:outbox:writes:sent")
        const appliedAtKill = sim.accounts().length
        expect(inFlightAtKill).toBeGreaterThan(0)
        expect(appliedAtKill).toBeGreaterThanOrEqual(ITEMS / 2)
        expect(appliedAtKill).toBeLessThan(ITEMS)

        const second = startWorker(server.baseUrl, ["drain"])
        workers.push(second.child)
        await until(
          async () =>
            sim.accounts().length >= ITEMS &&
            (await client.llen("crash:outbox:writes")) === 0 &&
            (await client.hlen("crash:outbox:writes:pending")) === 0,
          40_000,
          "the outbox to drain"
        )

        const domains = sim.accounts().map((account) => account.domain)
        expect(domains.length).toBe(ITEMS)
        expect(new Set(domains).size).toBe(ITEMS)
        // Every account was sent in one create only: those of the killed batch were read back.
        const created = sim.requests
          .filter((request) => request.method === "POST")
          .flatMap((request) => JSON.stringify(request.body).match(/d\d+\.example/g) ?? [])
        expect(created.length).toBe(ITEMS)
        expect(new Set(created).size).toBe(ITEMS)
        expect(await client.hlen("crash:outbox:writes:dead")).toBe(0)
        console.log(
          `outbox crash test: ${ITEMS} items in ${Date.now() - started} ms, ${inFlightAtKill} in flight at the kill, ` +
            `${appliedAtKill} applied by then`
        )
      } finally {
        for (const worker of workers) if (worker.exitCode === null) worker.kill("SIGKILL")
        await client.quit()
        await server.close()
      }
    },
    60_000
  )
})
