/**
 * For the test files that run workers as their own processes: a redis-server for the file, and
 * the worker's source bundled once (processes then start in a blink instead of compiling the
 * sources each), both made before the file's tests and removed after.
 */
import { afterAll, beforeAll } from "@effect/vitest"
import { build } from "esbuild"
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { hasRedisServer, type RedisServer, startRedis } from "./redisServer.js"

/** Bundles `entry` (a worker's source) for this file's tests, and starts its redis-server. */
export const workerProcessesForThisFile = (entry: URL) => {
  const dir = mkdtempSync(join(tmpdir(), "recotap-fleet-"))
  const script = join(dir, "worker.cjs")
  const state: { redis?: RedisServer } = {}
  beforeAll(async () => {
    if (!hasRedisServer) return
    state.redis = await startRedis()
    await build({
      entryPoints: [fileURLToPath(entry)],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: script,
      logLevel: "warning"
    })
  }, 60_000)
  afterAll(async () => {
    await state.redis?.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return {
    /** The bundled worker. */
    script,
    /** The port of the file's redis-server (0 before it runs). */
    redisPort: () => state.redis?.port ?? 0
  }
}

/** A worker process started by {@link startWorker}. */
export interface Worker {
  readonly child: ChildProcessWithoutNullStreams
  /** Resolves when it prints `ready`. */
  readonly ready: Promise<void>
  /** Resolves with its line starting with `done`; a worker killed on purpose never says it. */
  readonly done: Promise<string>
  /** Every line it printed, with when it was read. */
  readonly lines: Array<{ readonly at: number; readonly line: string }>
}

/** Starts the bundled worker `script` with `args`; the key travels in its environment, never on its command line. */
export const startWorker = (script: string, args: ReadonlyArray<string>, key: string): Worker => {
  const child = spawn(process.execPath, [script, ...args], { env: { ...process.env, RECOTAP_API_KEY: key } })
  const lines = createInterface({ input: child.stdout })
  const said: Worker["lines"] = []
  lines.on("line", (line) => said.push({ at: Date.now(), line }))
  const stderr: Array<string> = []
  child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()))
  const ready = new Promise<void>((resolve, reject) => {
    lines.on("line", (line) => line === "ready" && resolve())
    child.once("exit", (code) => reject(new Error(`worker exited (${code}) before ready: ${stderr.join("")}`)))
  })
  const done = new Promise<string>((resolve, reject) => {
    lines.on("line", (line) => line.startsWith("done") && resolve(line))
    child.once("exit", (code) => code !== 0 && reject(new Error(`worker failed (${code}): ${stderr.join("")}`)))
  })
  // A worker killed on purpose ends without `done`: nothing waits for it then.
  done.catch(() => {})
  ready.catch(() => {})
  return { child, ready, done, lines: said }
}
