/**
 * For the outbox crash tests: worker processes of `./outboxWorker.ts` on one key and one Redis
 * prefix, and a wait for a condition.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { createInterface } from "node:readline"
import type { ItemRoute, Simulator } from "../../src/simulator/index.js"

/** A started worker, and its first line of stdout. */
export interface OutboxWorker {
  readonly child: ChildProcessWithoutNullStreams
  readonly said: Promise<string>
}

/**
 * Starts workers of the bundled `script` on the redis-server at `redisPort()`, under `prefix`;
 * `said` resolves on a worker's first line of stdout. The key travels in its environment.
 */
export const outboxWorkers = (
  script: string,
  redisPort: () => number,
  key: string,
  prefix: string
) =>
(baseUrl: string, args: ReadonlyArray<string>): OutboxWorker => {
  const child = spawn(
    process.execPath,
    [script, baseUrl, String(redisPort()), prefix, ...args],
    { env: { ...process.env, RECOTAP_API_KEY: key } }
  )
  const stderr: Array<string> = []
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()))
  const said = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve)
    child.once("exit", (code, signal) => reject(new Error(`worker ended (${code ?? signal}): ${stderr.join("")}`)))
  })
  said.catch(() => {})
  return { child, said }
}

/** Waits until `check` holds (checked every 20 ms), or fails after `timeoutMs`. */
export const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) => {
  const end = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Offers with one worker (`offer`: its arguments), then starts a drain and kills it (SIGKILL) as
 * the simulator applies the `killAt`-th item sent to `route`: that item's request is applied,
 * never acknowledged. Resolves, once the drain has died, to what the offering worker said.
 * Every worker started goes into `workers`.
 */
export const offerThenKillDrain = async (
  start: (baseUrl: string, args: ReadonlyArray<string>) => OutboxWorker,
  sim: Simulator,
  baseUrl: string,
  offer: ReadonlyArray<string>,
  kill: { readonly route: ItemRoute; readonly killAt: number },
  workers: Array<ChildProcessWithoutNullStreams>
): Promise<string> => {
  const offering = start(baseUrl, offer)
  workers.push(offering.child)
  const said = await offering.said
  const drain = start(baseUrl, ["drain"])
  workers.push(drain.child)
  let seen = 0
  sim.failItems(kill.route, () => {
    if (++seen === kill.killAt) drain.child.kill("SIGKILL")
    return undefined
  })
  await new Promise((resolve) => drain.child.once("exit", resolve))
  sim.clearItemFailures()
  return said
}
