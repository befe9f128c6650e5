/**
 * `accounts.push`: what concurrency buys at 5 ms latency (100,000 accounts, concurrency 8 vs 1,
 * for the client and for a raw fetch pool), and client CPU per 100-account batch on loopback.
 */
import { Effect } from "effect"
import { pushInputs } from "../lib/accounts.js"
import { fetchPush, makeCrm } from "../lib/clients.js"
import { type Figure, type RowResult, runRounds, variantSummary } from "../lib/harness.js"
import { pairedRatios, summarize } from "../lib/stats.js"
import { type Context, pick } from "./context.js"

const expect = (what: string, got: number, wanted: number) => {
  if (got !== wanted) throw new Error(`${what}: ${got} accounts created, expected ${wanted}`)
}

const pushVariants = async (
  baseUrl: string,
  inputs: ReturnType<typeof pushInputs>,
  concurrencies: ReadonlyArray<number>
) => {
  const crm = await makeCrm(baseUrl)
  return concurrencies.flatMap((concurrency) => [
    {
      name: `RecotapCrm c${concurrency}`,
      run: async () => {
        const result = await Effect.runPromise(crm.accounts.push(inputs, { concurrency }))
        expect(`accounts.push c${concurrency}`, result.summary.applied, inputs.length)
      }
    },
    {
      name: `fetch pool ${concurrency}`,
      run: async () => expect(`fetch pool ${concurrency}`, await fetchPush(baseUrl, inputs, concurrency), inputs.length)
    }
  ])
}

export const pushRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const count = pick(context, 100_000, 10_000)
  const rounds = pick(context, 3, 2)
  const latency = 5
  const baseUrl = context.server.baseUrl({ latency })
  context.log(`accounts.push of ${count} accounts at ${latency} ms latency, concurrency 8 vs 1: ${rounds} rounds`)
  const inputs = pushInputs(count)
  // Warm-up on a small slice: a whole untimed run of each variant would double the row's time.
  for (const variant of await pushVariants(baseUrl, inputs.slice(0, 2_000), [1, 8])) await variant.run()
  const runs = await runRounds(await pushVariants(baseUrl, inputs, [1, 8]), {
    rounds,
    minRounds: 1,
    budgetMs: pick(context, 120_000, 20_000),
    warmup: 0,
    runTimeoutMs: 180_000
  })
  const wall = (name: string) => runs.get(name)!.map((m) => m.wallMs)
  const client = summarize(pairedRatios(wall("RecotapCrm c1"), wall("RecotapCrm c8")))
  const raw = summarize(pairedRatios(wall("fetch pool 1"), wall("fetch pool 8")))
  const cpu1 = summarize(
    pairedRatios(runs.get("RecotapCrm c1")!.map((m) => m.cpuMs), runs.get("fetch pool 1")!.map((m) => m.cpuMs))
  )
  const figures: Array<Figure> = [
    {
      id: "push.speedup",
      label: `accounts.push of ${count.toLocaleString("en")} at 5 ms, concurrency 8 / concurrency 1 (speed-up)`,
      before: "2.8x",
      value: client.median,
      spread: client,
      unit: "x",
      target: { op: ">=", value: 4.5 }
    },
    {
      id: "push.speedup.raw",
      label: "  reference: raw fetch pool of 8 / pool of 1",
      before: "5.5-7.6x",
      value: raw.median,
      spread: raw,
      unit: "x"
    },
    {
      id: "push.cpu.5ms",
      label: "  client CPU / raw, whole push at 5 ms, concurrency 1",
      value: cpu1.median,
      spread: cpu1,
      unit: "x"
    }
  ]
  return {
    id: "push",
    title: "accounts.push at 5 ms latency, concurrency 8 vs 1",
    figures,
    variants: [...runs].map(([name, measured]) =>
      variantSummary(name, "wall per push", "ms", measured.map((m) => m.wallMs))
    ),
    notes: [
      `${count} accounts in ${count / 100} requests of 100 a run; every run checks that every account came back created`
    ]
  }
}

export const pushCpuRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const batches = pick(context, 50, 20)
  const rounds = pick(context, 15, 5)
  const baseUrl = context.server.baseUrl()
  context.log(`push CPU on loopback: ${rounds} rounds of ${batches} batches of 100, concurrency 1`)
  const variants = await pushVariants(baseUrl, pushInputs(batches * 100, "cpu"), [1])
  const runs = await runRounds(variants, {
    rounds,
    budgetMs: pick(context, 30_000, 10_000),
    warmup: pick(context, 3, 2),
    runTimeoutMs: 60_000
  })
  const of = (name: string, key: "cpuMs" | "wallMs") => runs.get(name)!.map((m) => m[key])
  const cpu = summarize(pairedRatios(of("RecotapCrm c1", "cpuMs"), of("fetch pool 1", "cpuMs")))
  const wall = summarize(pairedRatios(of("RecotapCrm c1", "wallMs"), of("fetch pool 1", "wallMs")))
  return {
    id: "push-cpu",
    title: "client CPU per 100-account push batch, loopback",
    figures: [
      {
        id: "push.cpu",
        label: "client CPU per 100-account push batch / raw",
        before: "3.8-5.4x",
        value: cpu.median,
        spread: cpu,
        unit: "x",
        target: { op: "<=", value: 2 }
      },
      { id: "push.wall", label: "  wall per batch / raw, loopback", value: wall.median, spread: wall, unit: "x" }
    ],
    variants: [...runs].flatMap(([name, measured]) => [
      variantSummary(name, "CPU per batch", "ms", measured.map((m) => m.cpuMs / batches)),
      variantSummary(name, "wall per batch", "ms", measured.map((m) => m.wallMs / batches))
    ]),
    notes: [
      `a run pushes ${
        batches * 100
      } accounts (${batches} requests) one request at a time; raw = JSON.stringify + fetch + JSON.parse of the answer`
    ]
  }
}
