/**
 * Peak RSS of streaming many accounts, one variant per process (`process.resourceUsage().maxRSS`),
 * run with `--expose-gc`. Every mode loads the same modules and builds the same client first, so
 * the figures differ by what streaming holds, not by code loaded.
 *
 *   args: <idle|fetch|client> <baseUrl whose total is the count> <total> <checkpoint>
 *
 * At the checkpoint and at the last account (while the stream is still running), `gc()` then
 * `heapUsed`: live heap, which should not grow with the number of accounts streamed.
 */
import { Chunk, Effect, Stream } from "effect"
import { fetchLoop, fetchPage, makeCrm } from "../lib/clients.js"

const [mode = "idle", baseUrl = "", totalText = "0", checkpointText = "0"] = process.argv.slice(2)
const total = Number(totalText)
const checkpoint = Number(checkpointText)
const collect = (globalThis as { gc?: () => void }).gc
if (collect === undefined) throw new Error("run with --expose-gc")

const heapAfterGc = () => {
  collect()
  return process.memoryUsage().heapUsed
}

const main = async () => {
  const crm = await makeCrm(baseUrl)
  const t0 = performance.now()
  let count = 0
  let heapAtCheckpoint = Number.NaN
  let heapAtEnd = Number.NaN
  /** Counts `n` more accounts; measures the heap when a mark is crossed. */
  const seen = (n: number) => {
    const before = count
    count += n
    if (before < checkpoint && count >= checkpoint) heapAtCheckpoint = heapAfterGc()
    if (before < total && count >= total) heapAtEnd = heapAfterGc()
  }
  if (mode === "fetch") {
    await fetchLoop((cursor) => fetchPage(baseUrl, cursor), async (page) => seen(page.data.length))
  } else if (mode === "client") {
    await Effect.runPromise(
      crm.accounts.stream({ limit: 100 }).pipe(
        Stream.mapChunks((chunk) => {
          seen(Chunk.size(chunk))
          return chunk
        }),
        Stream.runDrain
      )
    )
  }
  const wallMs = performance.now() - t0
  if (mode !== "idle" && count !== total) throw new Error(`${mode} streamed ${count} accounts, expected ${total}`)
  process.send?.({
    type: "result",
    value: { mode, count, wallMs, maxRssBytes: process.resourceUsage().maxRSS * 1024, heapAtCheckpoint, heapAtEnd }
  }, () => process.exit(0))
}

main().catch((error: unknown) => {
  process.send?.({ type: "error", error: String(error instanceof Error ? error.stack : error) }, () => process.exit(1))
})
