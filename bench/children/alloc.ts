/**
 * Allocation per page read, in a child process started with `--expose-gc` and a 64 MB young
 * generation (`--min-semi-space-size=64 --max-semi-space-size=64`):
 *
 *   gc(); gc(); heapUsed₀; <calls> sequential reads; heapUsed₁
 *
 * With no collection in between, heapUsed only grows by what was allocated, so
 * (heapUsed₁ − heapUsed₀) / calls is the JS heap allocated per call (young and old generation,
 * large objects included; ArrayBuffer backing stores, e.g. socket buffers, are not JS heap and are
 * reported apart). A batch during which a `PerformanceObserver` saw any 'gc' entry is redone
 * (up to 6 times, then with half the calls).
 *
 *   args: <baseUrl> <rounds> <calls per batch>
 */
import { Effect } from "effect"
import { PerformanceObserver } from "node:perf_hooks"
import { setTimeout as sleep } from "node:timers/promises"
import { fetchPage, makeCrm, platformPage, undiciPage } from "../lib/clients.js"

const [baseUrl = "", roundsText = "9", callsText = "10"] = process.argv.slice(2)
const collect = (globalThis as { gc?: () => void }).gc
if (collect === undefined) throw new Error("run with --expose-gc")

const gcStarts: Array<number> = []
const observer = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcStarts.push(entry.startTime)
})
observer.observe({ entryTypes: ["gc"] })

interface Sample {
  readonly heapPerCall: number
  readonly arrayBuffersPerCall: number
  readonly calls: number
  readonly redone: number
}

const sample = async (one: () => Promise<unknown>, wantedCalls: number): Promise<Sample> => {
  let redone = 0
  for (let calls = wantedCalls; calls >= 1; calls = Math.floor(calls / 2)) {
    for (let attempt = 0; attempt < 6; attempt++) {
      collect()
      collect()
      await sleep(5)
      const t0 = performance.now()
      const m0 = process.memoryUsage()
      for (let i = 0; i < calls; i++) await one()
      const m1 = process.memoryUsage()
      const t1 = performance.now()
      // Let the observer hear of any collection during the batch.
      await sleep(5)
      if (!gcStarts.some((start) => start >= t0 && start <= t1)) {
        return {
          heapPerCall: (m1.heapUsed - m0.heapUsed) / calls,
          arrayBuffersPerCall: (m1.arrayBuffers - m0.arrayBuffers) / calls,
          calls,
          redone
        }
      }
      redone++
    }
  }
  throw new Error("a garbage collection interrupted every batch, even of one call")
}

const main = async () => {
  const crm = await makeCrm(baseUrl)
  const variants: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [
    ["fetch", () => fetchPage(baseUrl)],
    ["undici", () => undiciPage(baseUrl)],
    ["platform", () => platformPage(baseUrl)],
    ["RecotapCrm", () => Effect.runPromise(crm.accounts.list({ limit: 100 }))]
  ]
  // Warm-up: compiled code, connection pools, lazily built decoders.
  for (const [, one] of variants) for (let i = 0; i < 30; i++) await one()
  const samples: Record<string, Array<Sample>> = Object.fromEntries(variants.map(([name]) => [name, []]))
  const rounds = Number(roundsText)
  const deadline = performance.now() + 120_000
  for (let round = 0; round < rounds && (round < 2 || performance.now() < deadline); round++) {
    for (let k = 0; k < variants.length; k++) {
      const [name, one] = variants[(round + k) % variants.length]!
      samples[name]!.push(await sample(one, Number(callsText)))
    }
  }
  observer.disconnect()
  process.send?.({ type: "result", value: samples }, () => process.exit(0))
}

main().catch((error: unknown) => {
  process.send?.({ type: "error", error: String(error instanceof Error ? error.stack : error) }, () => process.exit(1))
})
