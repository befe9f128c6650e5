/**
 * `Fleet.scheduleSync` on four worker processes, one simulator server and one real redis-server
 * (started by this file on a free loopback port, persistence off): each tick of 1 s runs on
 * exactly one worker, by the simulator's request log (each run is one request, and each worker
 * sends with its own key of the one workspace) and by the workers' own log lines; a worker killed
 * with SIGKILL mid-run is replaced within the lease time; and a worker stopped (SIGSTOP) mid-run
 * past its lease, then let go on, writes no checkpoint.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import { Redis } from "ioredis"
import { DEFAULT_CHECKPOINT_KEY } from "../src/AccountSyncJob.js"
import { demoAccounts, Fault, listen, Simulator } from "../src/simulator/index.js"
import { hasRedisServer, missingRedis } from "./fleet/redisServer.js"
import { startWorker, type Worker, workerProcessesForThisFile } from "./fleet/workerProcesses.js"

const WORKERS = 4
const INTERVAL = 1000
const TTL = 1000
/** Each run's one request is answered this late, so that a run can be caught while it runs. */
const LATENCY = 300
const keyOf = (i: number) => `rk_live_fleet-ticks-${i}-5e6f7a`
const processes = workerProcessesForThisFile(new URL("./fleet/tickWorker.ts", import.meta.url))

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

describe.skipIf(!hasRedisServer)(
  `Fleet.scheduleSync on four worker processes ${hasRedisServer ? "" : missingRedis}`,
  () => {
    it(
      "each tick runs once; SIGKILL mid-run: another worker runs the next tick within the lease time; SIGSTOP past the lease: no checkpoint written by the stopped worker",
      async () => {
        const sim = new Simulator({ keys: Array.from({ length: WORKERS }, (_, i) => keyOf(i)), clock: "system" })
        sim.seedAccounts(demoAccounts)
        const server = await listen(sim)
        const redis = new Redis({ host: "127.0.0.1", port: processes.redisPort() })
        const checkpointKey = `ticks:kv:${DEFAULT_CHECKPOINT_KEY}`
        const workers = Array.from({ length: WORKERS }, (_, i) =>
          startWorker(
            processes.script,
            [server.baseUrl, String(processes.redisPort()), "ticks:", String(INTERVAL), String(TTL)],
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
  }
)
