/** Memory: allocation per `accounts.list` call, and peak RSS / live heap of streaming a million accounts. */
import { type Figure, type RowResult, runChild, type VariantSummary, variantSummary } from "../lib/harness.js"
import { fmt, pairedRatios, summarize } from "../lib/stats.js"
import { type Context, pick } from "./context.js"

interface AllocSample {
  readonly heapPerCall: number
  readonly arrayBuffersPerCall: number
  readonly calls: number
  readonly redone: number
}

export const allocRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const rounds = pick(context, 9, 3)
  const calls = 10
  context.log(`allocation per accounts.list call: child process, ${rounds} rounds of ${calls}-call batches per variant`)
  const samples = await runChild<Record<string, Array<AllocSample>>>(
    "children/alloc.ts",
    [context.server.baseUrl(), String(rounds), String(calls)],
    ["--expose-gc", "--min-semi-space-size=64", "--max-semi-space-size=64"],
    pick(context, 240_000, 90_000)
  )
  const heap = (name: string) => samples[name]!.map((s) => s.heapPerCall)
  const ratio = (name: string) => summarize(pairedRatios(heap(name), heap("fetch")))
  const client = ratio("RecotapCrm")
  const platform = ratio("platform")
  const variants: Array<VariantSummary> = Object.entries(samples).flatMap(([name, list]) => [
    variantSummary(name, "JS heap allocated per call", "KB", list.map((s) => s.heapPerCall / 1024)),
    variantSummary(name, "ArrayBuffer bytes per call", "KB", list.map((s) => s.arrayBuffersPerCall / 1024))
  ])
  const redone = Object.values(samples).flat().reduce((n, s) => n + s.redone, 0)
  const clientKb = summarize(heap("RecotapCrm")).median / 1024
  const fetchKb = summarize(heap("fetch")).median / 1024
  const figures: Array<Figure> = [
    {
      id: "alloc",
      label: "allocation per accounts.list call / raw fetch",
      before: "18x (2.2 MB vs 120 KB)",
      value: client.median,
      spread: client,
      unit: "x",
      target: { op: "<=", value: 5 },
      note: `${fmt(clientKb, 0)} KB vs ${fmt(fetchKb, 0)} KB`
    },
    {
      id: "alloc.platform",
      label: "  reference: platform HttpClient allocation / raw",
      value: platform.median,
      spread: platform,
      unit: "x"
    }
  ]
  return {
    id: "alloc",
    title: "allocation per accounts.list call",
    figures,
    variants,
    notes: [
      "JS heap (heapUsed) growth over a batch with no garbage collection in it, in a child with a 64 MB young generation; " +
      `batches interrupted by a collection were redone (${redone} times in all)`
    ]
  }
}

interface RssResult {
  readonly mode: string
  readonly count: number
  readonly wallMs: number
  readonly maxRssBytes: number
  readonly heapAtCheckpoint: number
  readonly heapAtEnd: number
}

const MB = 1024 * 1024

export const rssRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const total = pick(context, 1_000_000, 200_000)
  const checkpoint = total / 10
  const rounds = pick(context, 2, 1)
  const baseUrl = context.server.baseUrl({ total })
  const timeout = pick(context, 240_000, 90_000)
  context.log(`peak RSS streaming ${total} accounts: one child per variant, ${rounds} round(s)`)
  const run = (mode: string) =>
    runChild<RssResult>("children/rss.ts", [mode, baseUrl, String(total), String(checkpoint)], ["--expose-gc"], timeout)
  const results: Record<string, Array<RssResult>> = { idle: [], fetch: [], client: [] }
  const start = performance.now()
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && performance.now() - start > pick(context, 300_000, 60_000)) break
    const order = round % 2 === 0 ? ["fetch", "client", "idle"] : ["client", "fetch", "idle"]
    for (const mode of order) results[mode]!.push(await run(mode))
  }
  const rss = (mode: string) => results[mode]!.map((r) => r.maxRssBytes)
  const ratio = summarize(pairedRatios(rss("client"), rss("fetch")))
  const client = results["client"]!
  const heapStart = summarize(client.map((r) => r.heapAtCheckpoint)).median
  const heapEnd = summarize(client.map((r) => r.heapAtEnd)).median
  const growth = heapEnd / heapStart
  // Flat: at most 10% (or 2 MB, whichever is more) above the heap at the checkpoint.
  const flat = heapEnd - heapStart <= Math.max(0.1 * heapStart, 2 * MB)
  const idle = summarize(rss("idle")).median
  const overIdle = summarize(pairedRatios(
    rss("client").map((r) => r - idle),
    rss("fetch").map((r) => r - idle)
  ))
  const figures: Array<Figure> = [
    {
      id: "rss",
      label: `peak RSS streaming ${total.toLocaleString("en")} accounts / the fetch loop's`,
      before: "1.11",
      value: ratio.median,
      spread: ratio,
      target: { op: "<=", value: 1.1 },
      note: `${fmt(summarize(rss("client")).median / MB, 0)} MB vs ${
        fmt(summarize(rss("fetch")).median / MB, 0)
      } MB (idle after loading: ${fmt(summarize(rss("idle")).median / MB, 0)} MB)`
    },
    {
      id: "rss.overIdle",
      label: "  peak RSS above the idle child's: client / fetch loop",
      value: overIdle.median,
      spread: overIdle
    },
    {
      id: "rss.heap",
      label: `  client heap after GC at ${checkpoint.toLocaleString("en")} -> ${
        total.toLocaleString("en")
      } accounts (ratio)`,
      value: growth,
      target: { op: "<=", value: 1.1, text: "flat" },
      holds: flat,
      note: `${fmt(heapStart / MB, 1)} MB -> ${fmt(heapEnd / MB, 1)} MB; flat = at most +10% or +2 MB`
    }
  ]
  const variants: Array<VariantSummary> = Object.entries(results).flatMap(([mode, list]) => [
    variantSummary(mode, "peak RSS", "MB", list.map((r) => r.maxRssBytes / MB)),
    ...(mode === "idle" ? [] : [
      variantSummary(mode, "streaming time", "s", list.map((r) => r.wallMs / 1000)),
      variantSummary(mode, `heap after GC at ${checkpoint}`, "MB", list.map((r) => r.heapAtCheckpoint / MB)),
      variantSummary(mode, `heap after GC at ${total}`, "MB", list.map((r) => r.heapAtEnd / MB))
    ])
  ])
  return {
    id: "rss",
    title: `peak RSS and live heap streaming ${total} accounts`,
    figures,
    variants,
    notes: [
      "one child process per variant and round (tsx, --expose-gc); each loads effect-recotap, undici and the platform client and builds RecotapCrm before streaming, so that the ratio compares what streaming holds",
      "idle = the same child that only loads and builds, then exits"
    ]
  }
}
