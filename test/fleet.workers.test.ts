/**
 * Four worker processes on one key, one simulator server and one real redis-server (started by
 * this file on a free loopback port, persistence off): what the simulator's request log shows.
 * Last, `Fleet.scheduleSync` on four workers, each with its own key of the one workspace (so
 * that the simulator's log tells who sent what): each tick of 1 s runs on exactly one worker; a
 * worker killed with SIGKILL mid-run is replaced within the lease time; and a worker stopped
 * (SIGSTOP) mid-run past its lease, then let go on, writes no checkpoint. The tests of this file
 * run one after the other: their timings are not disturbed by each other's processes.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Redis } from "ioredis"
import { DEFAULT_CHECKPOINT_KEY } from "../src/AccountSyncJob.js"
import { demoAccounts, Fault, listen, type RunningSimulator, Simulator } from "../src/simulator/index.js"
import { hasRedisServer, missingRedis } from "./fleet/redisServer.js"
import { startWorker as startProcess, type Worker, workerProcessesForThisFile } from "./fleet/workerProcesses.js"

const KEY = "rk_live_fleet-workers-4a5b6c"
const WORKERS = 4
const processes = workerProcessesForThisFile(new URL("./fleet/worker.ts", import.meta.url))

/** Starts one worker process on the file's redis-server and `server`. */
const startWorker = (server: RunningSimulator, prefix: string, args: ReadonlyArray<string>): Worker =>
  startProcess(processes.script, [server.baseUrl, String(processes.redisPort()), prefix, ...args], KEY)

const INTERVAL = 1000
const TTL = 1000
/** Each run's one request is answered this late, so that a run can be caught while it runs. */
const LATENCY = 300
const keyOf = (i: number) => `rk_live_fleet-ticks-${i}-5e6f7a`

/** A worker's JSON log line, as `Logger.json` prints it. */
interface LogLine {
  readonly worker: number
  readonly at: number
  readonly message: string
  readonly level: string
  readonly tick: number | undefined
  readonly checkpoint: string | undefined
}

/** Every worker's log lines, in the order they were read. */
const logLines = (workers: ReadonlyArray<Worker>): Array<LogLine> =>
  workers.flatMap((w, worker) =>
    w.lines.flatMap(({ at, line }) => {
      if (!line.startsWith("{")) return []
      const parsed = JSON.parse(line) as {
        message: unknown
        logLevel: string
        annotations: Record<string, unknown>
      }
      const tick = parsed.annotations["fleetTick"]
      const checkpoint = parsed.annotations["checkpoint"]
      return [{
        worker,
        at,
        message: String(parsed.message),
        level: parsed.logLevel,
        tick: typeof tick === "string" ? Date.parse(tick) : undefined,
        checkpoint: typeof checkpoint === "string" ? checkpoint : undefined
      }]
    })
  ).sort((a, b) => a.at - b.at)

/** Who started each tick (the "runs here" line), and who completed it (the run's Info line). */
const started = (lines: ReadonlyArray<LogLine>) => lines.filter((l) => l.message.includes("runs here"))
const completed = (lines: ReadonlyArray<LogLine>) =>
  lines.filter((l) => /^Recotap accounts sync: \d+ changed/.test(l.message) && l.tick !== undefined)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const until = async (check: () => boolean, timeoutMs: number, what: string) => {
  const end = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

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

  it(
    "Fleet.scheduleSync (each worker its own key of the workspace): each tick runs once; SIGKILL mid-run: another worker runs the next tick within the lease time; SIGSTOP past the lease: no checkpoint written by the stopped worker",
    async () => {
      const sim = new Simulator({ keys: Array.from({ length: WORKERS }, (_, i) => keyOf(i)), clock: "system" })
      sim.seedAccounts(demoAccounts)
      const server = await listen(sim)
      const redis = new Redis({ host: "127.0.0.1", port: processes.redisPort() })
      const checkpointKey = `ticks:kv:${DEFAULT_CHECKPOINT_KEY}`
      const workers = Array.from({ length: WORKERS }, (_, i) =>
        startProcess(
          processes.script,
          [server.baseUrl, String(processes.redisPort()), "ticks:", "ticks", String(INTERVAL), String(TTL)],
          keyOf(i)
        ))
      const sentBy = (worker: number, since: number) =>
        sim.requests.some((r) =>
          r.receivedAt >= since && r.apiKey !== undefined && Redacted.value(r.apiKey) === keyOf(worker)
        )
      /** The next run to start, once its request reached the simulator (its answer still delayed). */
      const nextRunSent = async () => {
        const before = started(logLines(workers)).length
        await until(() => started(logLines(workers)).length > before, 2 * INTERVAL, "a run to start")
        const run = started(logLines(workers)).at(-1)!
        await until(() => sentBy(run.worker, run.at - 100), LATENCY, "its request")
        return run
      }
      // Every checkpoint Redis held, read every 10 ms: a stale write would show as one going back.
      const checkpoints: Array<string> = []
      let watching = true
      const watch = (async () => {
        while (watching) {
          const value = await redis.get(checkpointKey)
          if (value !== null && checkpoints.at(-1) !== value) checkpoints.push(value)
          await sleep(10)
        }
      })()
      try {
        await Promise.all(workers.map((w) => w.ready))
        sim.clearRequests()
        sim.faults.always("GET /accounts", Fault.latency(LATENCY))
        for (const worker of workers) worker.child.stdin.write("go\n")

        // 1. Six ticks with all four workers alive.
        await sleep(6 * INTERVAL)

        // 2. The worker running the next tick is killed while its request is answered.
        const killedRun = await nextRunSent()
        workers[killedRun.worker]!.child.kill("SIGKILL")
        const killedAt = Date.now()
        const after = (tick: number) => started(logLines(workers)).find((l) => l.tick! > tick)
        await until(() => after(killedRun.tick!) !== undefined, TTL + 2 * INTERVAL, "another worker to run a tick")
        const takeover = after(killedRun.tick!)!
        await sleep(3 * INTERVAL)

        // 3. The worker running the next tick is stopped mid-run, past its lease, then let go on.
        const stoppedRun = await nextRunSent()
        const stopped = workers[stoppedRun.worker]!
        stopped.child.kill("SIGSTOP")
        await sleep(TTL + 1500)
        stopped.child.kill("SIGCONT")
        await sleep(2 * INTERVAL)

        // Ended right after a run completed, well before the next one starts.
        const completedSoFar = completed(logLines(workers)).length
        await until(() => completed(logLines(workers)).length > completedSoFar, 2 * INTERVAL, "a run to complete")
        for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL")
        watching = false
        await watch

        const lines = logLines(workers)
        const requests = sim.requests.filter((r) => r.route === "GET /accounts")
        const keyOfRequest = (r: (typeof requests)[number]) =>
          Option.getOrUndefined(Option.map(Option.fromNullable(r.apiKey), Redacted.value))

        // The simulator's view: each run is one request; a run's answer comes LATENCY after its
        // request, and the next run starts only after (or after the lease of a dead run passed).
        expect(requests.length).toBe(started(lines).length)
        requests.slice(1).forEach((r, i) =>
          expect(r.receivedAt - requests[i]!.receivedAt).toBeGreaterThanOrEqual(LATENCY - 2)
        )
        // Each worker's requests are its runs, in order: none before its tick began.
        workers.forEach((_, worker) => {
          const sent = requests.filter((r) => keyOfRequest(r) === keyOf(worker))
          const runs = started(lines).filter((l) => l.worker === worker)
          expect(sent.length).toBe(runs.length)
          runs.forEach((run, k) => expect(sent[k]!.receivedAt).toBeGreaterThanOrEqual(run.tick!))
        })
        // Every tick from the first to the last ran once: none skipped, none twice.
        const ticks = started(lines).map((l) => l.tick!).sort((a, b) => a - b)
        expect(ticks.length).toBeGreaterThanOrEqual(15)
        expect(ticks).toEqual(ticks.map((_, k) => ticks[0]! + k * INTERVAL))
        // Each run that was let go on completed, once.
        for (const tick of ticks) {
          const done = completed(lines).filter((l) => l.tick === tick)
          const expected = tick === killedRun.tick || tick === stoppedRun.tick ? 0 : 1
          expect({ tick, completed: done.length }).toEqual({ tick, completed: expected })
        }

        // The killed worker's lease passed within its time: another worker ran the next tick.
        expect(takeover.worker).not.toBe(killedRun.worker)
        expect(takeover.tick).toBe(killedRun.tick! + INTERVAL)
        expect(takeover.at - killedAt).toBeLessThan(TTL + 300)

        // The stopped worker's run lost its lease: interrupted or refused, its checkpoint never stored.
        const stoppedLines = lines.filter((l) => l.worker === stoppedRun.worker && l.tick === stoppedRun.tick)
        expect(
          stoppedLines.some((l) =>
            l.message.includes("lost its lease") || l.message.includes("checkpoint store failed")
          )
        ).toBe(true)
        // The checkpoint only ever moved forward, and holds the last completed run's.
        expect(checkpoints.length).toBeGreaterThanOrEqual(ticks.length - 4)
        expect([...checkpoints].sort()).toEqual(checkpoints)
        expect(await redis.get(checkpointKey)).toBe(completed(lines).at(-1)!.checkpoint)
      } finally {
        watching = false
        for (const worker of workers) if (worker.child.exitCode === null) worker.child.kill("SIGKILL")
        await redis.quit()
        await server.close()
      }
    },
    60_000
  )
})
