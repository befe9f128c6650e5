/**
 * Streaming: `accounts.stream` throughput against a hand-written fetch loop on loopback, and a
 * slow consumer (the server answering in 5 ms, the consumer awaiting `setTimeout(work)` a page),
 * where a stream that fetches the next page while the consumer works should win.
 */
import { Chunk, Effect, Stream } from "effect"
import { setTimeout as sleep } from "node:timers/promises"
import { fetchLoop, fetchPage, makeCrm, platformPage, prefetchingLoop, undiciPage } from "../lib/clients.js"
import { type Figure, type Measured, type RowResult, runRounds, variantSummary } from "../lib/harness.js"
import { pairedRatios, summarize } from "../lib/stats.js"
import { type Context, pick } from "./context.js"

const expect = (what: string, got: number, wanted: number) => {
  if (got !== wanted) throw new Error(`${what} saw ${got}, expected ${wanted}`)
}

export const streamRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const total = pick(context, 10_000, 5_000)
  const rounds = pick(context, 9, 3)
  const baseUrl = context.server.baseUrl({ total })
  const crm = await makeCrm(baseUrl)
  context.log(`accounts.stream of ${total} accounts (${total / 100} pages) on loopback: ${rounds} rounds`)
  const variants = [
    { name: "fetch loop", run: async () => expect("fetch loop", await fetchLoop((c) => fetchPage(baseUrl, c)), total) },
    {
      name: "undici loop",
      run: async () => expect("undici loop", await fetchLoop((c) => undiciPage(baseUrl, c)), total)
    },
    {
      name: "platform loop",
      run: async () => expect("platform loop", await fetchLoop((c) => platformPage(baseUrl, c)), total)
    },
    {
      // A fresh stream value every run.
      name: "accounts.stream",
      run: async () =>
        expect("accounts.stream", await Effect.runPromise(Stream.runCount(crm.accounts.stream({ limit: 100 }))), total)
    },
    {
      name: "accounts.pages",
      run: async () =>
        expect(
          "accounts.pages",
          await Effect.runPromise(
            Stream.runFold(crm.accounts.pages({ limit: 100 }), 0, (n, page) => n + page.data.length)
          ),
          total
        )
    }
  ]
  const runs = await runRounds(variants, {
    rounds,
    budgetMs: pick(context, 60_000, 15_000),
    warmup: pick(context, 2, 1),
    runTimeoutMs: 120_000
  })
  const loop = runs.get("fetch loop")!.map((m) => m.wallMs)
  // Throughput ratio = time of the fetch loop / time of the variant, round by round.
  const speed = (name: string) => summarize(pairedRatios(loop, runs.get(name)!.map((m) => m.wallMs)))
  const stream = speed("accounts.stream")
  const pages = speed("accounts.pages")
  const platform = speed("platform loop")
  const figures: Array<Figure> = [
    {
      id: "stream.throughput",
      label: "accounts.stream throughput / hand-written fetch loop, loopback",
      before: "0.22",
      value: stream.median,
      spread: stream,
      target: { op: ">=", value: 0.45 }
    },
    {
      id: "stream.throughput.pages",
      label: "  accounts.pages throughput / fetch loop",
      value: pages.median,
      spread: pages
    },
    {
      id: "stream.throughput.platform",
      label: "  reference: platform HttpClient loop / fetch loop",
      value: platform.median,
      spread: platform
    }
  ]
  return {
    id: "stream",
    title: "accounts.stream throughput, loopback",
    figures,
    variants: [...runs].map(([name, measured]) =>
      variantSummary(name, "throughput", "accounts/s", measured.map((m) => (total / m.wallMs) * 1000))
    ),
    notes: [`each run reads all ${total} accounts from the first page; a fresh stream value per run`]
  }
}

/** One slow-consumer scenario: `latency` ms a request, `work` ms of async work a page. */
const prefetchScenario = async (context: Context, work: number) => {
  const latency = 5
  const pageCount = pick(context, 40, 20)
  const total = pageCount * 100
  const rounds = pick(context, 7, 3)
  const baseUrl = context.server.baseUrl({ latency, total })
  const crm = await makeCrm(baseUrl)
  context.log(`slow consumer: ${latency} ms latency, ${work} ms of work a page, ${pageCount} pages: ${rounds} rounds`)
  const consume = async () => {
    await sleep(work)
  }
  const variants = [
    {
      name: "fetch loop",
      run: async () => expect("fetch loop", await fetchLoop((c) => fetchPage(baseUrl, c), consume), total)
    },
    {
      name: "prefetching loop",
      run: async () => expect("prefetching loop", await prefetchingLoop((c) => fetchPage(baseUrl, c), consume), total)
    },
    {
      name: "accounts.pages",
      run: async () =>
        expect(
          "accounts.pages",
          await Effect.runPromise(
            Stream.runFoldEffect(crm.accounts.pages({ limit: 100 }), 0, (n, page) =>
              Effect.as(Effect.promise(consume), n + page.data.length))
          ),
          total
        )
    },
    {
      // The consumer's unit is still a page: the stream's accounts regrouped by 100.
      name: "accounts.stream",
      run: async () =>
        expect(
          "accounts.stream",
          await Effect.runPromise(
            crm.accounts.stream({ limit: 100 }).pipe(
              Stream.grouped(100),
              Stream.runFoldEffect(0, (n, chunk) => Effect.as(Effect.promise(consume), n + Chunk.size(chunk)))
            )
          ),
          total
        )
    }
  ]
  const runs = await runRounds(variants, {
    rounds,
    budgetMs: pick(context, 45_000, 10_000),
    warmup: 1,
    runTimeoutMs: 120_000
  })
  const plain = runs.get("fetch loop")!.map((m) => m.wallMs)
  const speedUp = (name: string) => summarize(pairedRatios(plain, runs.get(name)!.map((m: Measured) => m.wallMs)))
  return { runs, pageCount, speedUp }
}

export const prefetchRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const figures: Array<Figure> = []
  const variants = []
  let pageCount = 0
  for (const [work, target, before] of [[5, 1.5, "0.78"], [2, 1.2, "0.73"]] as const) {
    const scenario = await prefetchScenario(context, work)
    pageCount = scenario.pageCount
    const pages = scenario.speedUp("accounts.pages")
    const stream = scenario.speedUp("accounts.stream")
    const hand = scenario.speedUp("prefetching loop")
    figures.push(
      {
        id: `prefetch${work}.pages`,
        label: `slow consumer, ${work} ms work/page: accounts.pages speed-up over non-prefetching loop`,
        before,
        value: pages.median,
        spread: pages,
        target: { op: ">=", value: target }
      },
      {
        id: `prefetch${work}.stream`,
        label: `  accounts.stream (regrouped by page) speed-up, ${work} ms work`,
        before,
        value: stream.median,
        spread: stream,
        target: { op: ">=", value: target }
      },
      {
        id: `prefetch${work}.handwritten`,
        label: `  reference: hand-written prefetching loop speed-up, ${work} ms work`,
        ...(work === 5 ? { before: "1.8" } : {}),
        value: hand.median,
        spread: hand
      }
    )
    for (const [name, measured] of scenario.runs) {
      variants.push(variantSummary(`${name}, ${work} ms work`, "wall per run", "ms", measured.map((m) => m.wallMs)))
    }
  }
  return {
    id: "prefetch",
    title: "slow consumer (5 ms latency, async work per page)",
    figures,
    variants,
    notes: [
      `${pageCount} pages of 100 a run; the consumer awaits setTimeout(work) per page; speed-up = time of the non-prefetching fetch loop / time of the variant, per round`
    ]
  }
}
