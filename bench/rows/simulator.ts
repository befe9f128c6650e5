/**
 * The simulator's own speed: the in-process `Simulator` served by `listen`, seeded with the same
 * 1,000 accounts the bench server serves, against the bench server (its own process). It answers
 * in this process, so its CPU counts here: a figure about the simulator, not about the client.
 */
import { Effect } from "effect"
import { listen, Simulator } from "effect-recotap/simulator"
import { simulatorSeeds } from "../lib/accounts.js"
import { fetchPage, KEY, makeCrm } from "../lib/clients.js"
import { type Figure, type RowResult, runRounds, variantSummary } from "../lib/harness.js"
import { pairedRatios, summarize } from "../lib/stats.js"
import { type Context, pick } from "./context.js"

export const simulatorRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const calls = pick(context, 30, 10)
  const rounds = pick(context, 9, 3)
  context.log(
    `simulator: ${rounds} rounds of ${calls} page reads against the in-process simulator and the bench server`
  )
  const sim = new Simulator({ keys: [KEY] })
  sim.seedAccounts(simulatorSeeds(1_000))
  const running = await listen(sim)
  try {
    const server = context.server.baseUrl()
    const simUrl = running.baseUrl
    const crmSim = await makeCrm(simUrl)
    const crmServer = await makeCrm(server)
    const first = await Effect.runPromise(crmSim.accounts.list({ limit: 100 }))
    if (first.data.length !== 100) throw new Error(`the simulator answered ${first.data.length} accounts`)
    const repeat = (one: () => Promise<unknown>) => async () => {
      for (let i = 0; i < calls; i++) await one()
      // The simulator records every request: keep that bounded.
      sim.clearRequests()
    }
    const runs = await runRounds([
      { name: "fetch -> bench server", run: repeat(() => fetchPage(server)) },
      { name: "fetch -> simulator", run: repeat(() => fetchPage(simUrl)) },
      {
        name: "RecotapCrm -> bench server",
        run: repeat(() => Effect.runPromise(crmServer.accounts.list({ limit: 100 })))
      },
      { name: "RecotapCrm -> simulator", run: repeat(() => Effect.runPromise(crmSim.accounts.list({ limit: 100 }))) }
    ], { rounds, budgetMs: pick(context, 40_000, 10_000), warmup: 2, runTimeoutMs: 60_000 })
    const wall = (name: string) => runs.get(name)!.map((m) => m.wallMs)
    const raw = summarize(pairedRatios(wall("fetch -> simulator"), wall("fetch -> bench server")))
    const client = summarize(pairedRatios(wall("RecotapCrm -> simulator"), wall("RecotapCrm -> bench server")))
    const figures: Array<Figure> = [
      {
        id: "simulator.fetch",
        label: "simulator (in-process, listen) page time / bench server's, raw fetch",
        value: raw.median,
        spread: raw,
        unit: "x"
      },
      { id: "simulator.client", label: "  same through RecotapCrm", value: client.median, spread: client, unit: "x" }
    ]
    return {
      id: "simulator",
      title: "the simulator's own speed (informational)",
      figures,
      variants: [...runs].map(([name, measured]) =>
        variantSummary(name, "wall per call", "ms", measured.map((m) => m.wallMs / calls))
      ),
      notes: ["the simulator answers in the benchmark's process; the bench server in its own"]
    }
  } finally {
    await running.close()
  }
}
