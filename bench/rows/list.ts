/**
 * `accounts.list` against raw fetch: wall time and client CPU per call on loopback, and wall
 * time with a server that answers in 20 ms.
 */
import { Effect } from "effect"
import { fetchPage, makeCrm, platformPage, undiciPage } from "../lib/clients.js"
import {
  type Figure,
  type Measured,
  type RowResult,
  runRounds,
  type VariantSummary,
  variantSummary
} from "../lib/harness.js"
import { pairedRatios, summarize } from "../lib/stats.js"
import { type Context, pick } from "./context.js"

/** Runs `calls` sequential page reads a run for each of the four variants against `baseUrl`. */
const listVariants = async (baseUrl: string, calls: number) => {
  const crm = await makeCrm(baseUrl)
  // Sanity: every variant reads the same full page.
  const first = await Effect.runPromise(crm.accounts.list({ limit: 100 }))
  if (first.data.length !== 100 || first.malformed.length !== 0) {
    throw new Error(`accounts.list read ${first.data.length} accounts, ${first.malformed.length} malformed`)
  }
  if ((await fetchPage(baseUrl)).data.length !== 100) throw new Error("fetch read a short page")
  const repeat = (one: () => Promise<unknown>) => async () => {
    for (let i = 0; i < calls; i++) await one()
  }
  return [
    { name: "fetch", run: repeat(() => fetchPage(baseUrl)) },
    { name: "undici", run: repeat(() => undiciPage(baseUrl)) },
    { name: "platform", run: repeat(() => platformPage(baseUrl)) },
    { name: "RecotapCrm", run: repeat(() => Effect.runPromise(crm.accounts.list({ limit: 100 }))) }
  ]
}

const perCall = (runs: ReadonlyArray<Measured>, calls: number, key: keyof Measured) => runs.map((m) => m[key] / calls)

export const listRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const calls = pick(context, 50, 20)
  const rounds = pick(context, 15, 5)
  context.log(`accounts.list on loopback: ${rounds} rounds of ${calls} sequential calls per variant`)
  const variants = await listVariants(context.server.baseUrl(), calls)
  const runs = await runRounds(variants, {
    rounds,
    budgetMs: pick(context, 60_000, 15_000),
    warmup: pick(context, 4, 2),
    runTimeoutMs: 60_000
  })
  const fetchRuns = runs.get("fetch")!
  const summaries: Array<VariantSummary> = []
  for (const [name, measured] of runs) {
    summaries.push(variantSummary(name, "wall per call", "ms", perCall(measured, calls, "wallMs")))
    summaries.push(variantSummary(name, "CPU per call", "ms", perCall(measured, calls, "cpuMs")))
  }
  const ratio = (name: string, key: keyof Measured) =>
    summarize(pairedRatios(runs.get(name)!.map((m) => m[key]), fetchRuns.map((m) => m[key])))
  const wall = ratio("RecotapCrm", "wallMs")
  const cpu = ratio("RecotapCrm", "cpuMs")
  const platform = ratio("platform", "wallMs")
  const undici = ratio("undici", "wallMs")
  const platformCpu = ratio("platform", "cpuMs")
  const figures: Array<Figure> = [
    {
      id: "list.wall",
      label: "accounts.list wall / raw fetch, loopback",
      before: "6.0x",
      value: wall.median,
      spread: wall,
      unit: "x",
      target: { op: "<=", value: 2.2 }
    },
    {
      id: "list.wall.platform",
      label: "  reference: bare platform HttpClient + JSON.parse / raw fetch",
      before: "~1.9x",
      value: platform.median,
      spread: platform,
      unit: "x"
    },
    {
      id: "list.wall.undici",
      label: "  reference: undici.request + JSON.parse / raw fetch",
      value: undici.median,
      spread: undici,
      unit: "x"
    },
    {
      id: "list.cpu",
      label: "client CPU per accounts.list call / raw",
      before: "5.4x",
      value: cpu.median,
      spread: cpu,
      unit: "x",
      target: { op: "<=", value: 2.5 }
    },
    {
      id: "list.cpu.platform",
      label: "  reference: platform HttpClient CPU per call / raw",
      value: platformCpu.median,
      spread: platformCpu,
      unit: "x"
    }
  ]
  return {
    id: "list",
    title: "accounts.list, loopback: wall and CPU per call",
    figures,
    variants: summaries,
    notes: [
      `${calls} sequential calls of one page of 100 accounts per run; ratios are medians of per-round ratios to raw fetch in the same round`,
      "CPU: process.cpuUsage() (user + system, every thread of this process) around each run; the server runs in its own process"
    ]
  }
}

export const list20msRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const calls = pick(context, 10, 5)
  const rounds = pick(context, 9, 3)
  context.log(`accounts.list with a server answering in 20 ms: ${rounds} rounds of ${calls} calls per variant`)
  const variants = await listVariants(context.server.baseUrl({ latency: 20 }), calls)
  const runs = await runRounds(variants, {
    rounds,
    budgetMs: pick(context, 40_000, 10_000),
    warmup: 1,
    runTimeoutMs: 60_000
  })
  const fetchRuns = runs.get("fetch")!
  const ratio = (name: string) =>
    summarize(pairedRatios(runs.get(name)!.map((m) => m.wallMs), fetchRuns.map((m) => m.wallMs)))
  const client = ratio("RecotapCrm")
  const platform = ratio("platform")
  return {
    id: "list-20ms",
    title: "accounts.list, server answering in 20 ms",
    figures: [
      {
        id: "list20.wall",
        label: "accounts.list / raw fetch, server answering in 20 ms",
        before: "1.22-1.30x",
        value: client.median,
        spread: client,
        unit: "x",
        target: { op: "<=", value: 1.08 }
      },
      {
        id: "list20.wall.platform",
        label: "  reference: platform HttpClient / raw fetch, 20 ms",
        value: platform.median,
        spread: platform,
        unit: "x"
      }
    ],
    variants: [...runs].map(([name, measured]) =>
      variantSummary(name, "wall per call", "ms", perCall(measured, calls, "wallMs"))
    ),
    notes: [`${calls} sequential calls per run; the server waits 20 ms before each answer`]
  }
}
