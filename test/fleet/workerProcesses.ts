/**
 * For the test files that run workers as their own processes: a redis-server for the file, and
 * the worker's source bundled once (processes then start in a blink instead of compiling the
 * sources each), both made before the file's tests and removed after.
 */
import { afterAll, beforeAll } from "@effect/vitest"
import { build } from "esbuild"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
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
