/**
 * Four worker processes on one key, one simulator server and one real redis-server (started by
 * this file on a free loopback port, persistence off): what the simulator's request log shows.
 */
import { describe, expect, it } from "@effect/vitest"
import { Redis } from "ioredis"
import { Fault, listen, type RunningSimulator, Simulator } from "../src/simulator/index.js"
import { hasRedisServer, missingRedis } from "./fleet/redisServer.js"
import { startWorker as startProcess, type Worker, workerProcessesForThisFile } from "./fleet/workerProcesses.js"

const KEY = "rk_live_fleet-workers-4a5b6c"
const WORKERS = 4
const processes = workerProcessesForThisFile(new URL("./fleet/worker.ts", import.meta.url))

/** Starts one worker process on the file's redis-server and `server`. */
const startWorker = (server: RunningSimulator, prefix: string, args: ReadonlyArray<string>): Worker =>
  startProcess(processes.script, [server.baseUrl, String(processes.redisPort()), prefix, ...args], KEY)

/**
 * Runs `WORKERS` workers with `args`, all started together once every one is ready; the
 * simulator's log then holds only what they sent after the start.
 */
const runWorkers = async (
  sim: Simulator,
  server: RunningSimulator,
  prefix: string,
  args: ReadonlyArray<string>,
  onStart: () => void = () => {}
) => {
  const workers = Array.from({ length: WORKERS }, () => startWorker(server, prefix, args))
  try {
    await Promise.all(workers.map((w) => w.ready))
    // The warm-up requests' window (1 s at most) is over before the run starts.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    sim.clearRequests()
    onStart()
    for (const worker of workers) worker.child.stdin.write("go\n")
    return await Promise.all(workers.map((w) => w.done))
  } finally {
    for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL")
  }
}

/** The most arrivals in any span of `span` ms (half-open), from arrival times. */
const busiest = (times: ReadonlyArray<number>, span: number): number => {
  const sorted = [...times].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[i]! - sorted[j]! >= span) j++
    most = Math.max(most, i - j + 1)
  }
  return most
}

describe.skipIf(!hasRedisServer)(`four worker processes on one key ${hasRedisServer ? "" : missingRedis}`, () => {
  it(
    "with a shared budget of 5 per second, the simulator never sees more than 5 in any second (less the send jitter)",
    async () => {
      const sim = new Simulator({ keys: [KEY] })
      const server = await listen(sim)
      try {
        // 4 workers × 6 calls at 5 per second between them: 24 requests, about 5 windows.
        const done = await runWorkers(sim, server, "budget:", ["budget", "6", "5", "1000"])
        expect(done).toEqual(Array.from({ length: WORKERS }, () => "done 6 0"))
        const times = sim.requests.map((r) => r.receivedAt)
        expect(times).toHaveLength(24)
        // Each window's requests leave at its start; one may reach the server a little after the
        // next window's first ones, so the windows checked are 100 ms shorter than the budget's.
        expect(busiest(times, 900)).toBeLessThanOrEqual(5)
        // And the budget is shared, not per worker: 24 requests at 5 per second need 4 s at least.
        expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(3900)
      } finally {
        await server.close()
      }
    },
    60_000
  )

  it("one worker meets a 429 with Retry-After: 2: no worker sends to that workspace for 2 s", async () => {
    const sim = new Simulator({ keys: [KEY] })
    const server = await listen(sim)
    try {
      // The 20th request of the run gets the 429, while all four workers are sending.
      await runWorkers(sim, server, "pause:", ["steady", "4500", "100"], () => {
        sim.faults.script("GET /accounts", ...Array.from({ length: 19 }, () => Fault.latency(0)), Fault.rateLimited(2))
      })
      const requests = sim.requests
      const at = requests[19]!.receivedAt
      const after = requests.slice(20).map((r) => r.receivedAt - at)
      // Requests already on their way when the 429 was answered may land just after it; none
      // leaves after the pause is recorded, until 2 s after the 429.
      expect(after.filter((ms) => ms >= 250 && ms < 2000)).toEqual([])
      // The workers went on after the pause: every one of them.
      expect(after.filter((ms) => ms >= 2000).length).toBeGreaterThanOrEqual(WORKERS)
    } finally {
      await server.close()
    }
  }, 60_000)

  it(
    "the sync runs on one worker at a time; killed with SIGKILL, another takes over within the lease time, and the dead one writes nothing more",
    async () => {
      const sim = new Simulator({ keys: [KEY] })
      const server = await listen(sim)
      const workers = Array.from({ length: WORKERS }, () => startWorker(server, "lease:", ["lease", "1000"]))
      const holders = () => workers.filter((w) => w.lines.some((l) => l.line.startsWith("holding")))
      const until = async (check: () => boolean) => {
        while (!check()) await new Promise((resolve) => setTimeout(resolve, 20))
      }
      try {
        await Promise.all(workers.map((w) => w.ready))
        for (const worker of workers) worker.child.stdin.write("go\n")
        await until(() => holders().length > 0)
        // Several lease times later, still exactly one runner.
        await new Promise((resolve) => setTimeout(resolve, 2500))
        expect(holders()).toHaveLength(1)
        const first = holders()[0]!
        first.child.kill("SIGKILL")
        const killedAt = Date.now()
        await new Promise((resolve) => first.child.once("exit", resolve))
        await until(() => holders().length > 1)
        const second = holders().find((w) => w !== first)!
        const tookOver = second.lines.find((l) => l.line.startsWith("holding"))!.at - killedAt
        // Within the lease time (1 s), and a retry tick (100 ms) and some scheduling after it.
        expect(tookOver).toBeLessThan(1500)
        expect(holders()).toHaveLength(2)
        await new Promise((resolve) => setTimeout(resolve, 300))
        const stored = await new Redis({ host: "127.0.0.1", port: processes.redisPort() }).get("lease:kv:checkpoint")
        expect(stored).toBe(String(second.child.pid))
      } finally {
        for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL")
        await server.close()
      }
    },
    60_000
  )
})
