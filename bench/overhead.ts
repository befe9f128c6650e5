/**
 * What the client costs over raw `fetch`, against the simulator on a loopback port.
 *
 *   npm run bench
 *
 * Each scenario runs the same requests two ways in the same process, alternating rounds so that
 * neither side profits from warm-up alone: raw `fetch` + `JSON.parse` (the floor), and
 * `RecotapCrm` (key check, encoding, envelope and schema decoding, spans, retry bookkeeping).
 * It prints the median time of each and their ratio.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted, Stream } from "effect"
import { type AccountInput, ApiKey, RecotapConfig, RecotapCrm } from "effect-recotap"
import { Fault, listen, Simulator } from "effect-recotap/simulator"

const ROUNDS = 7
const KEY = "bench-key"

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

const time = async (run: () => Promise<unknown>) => {
  const start = performance.now()
  await run()
  return performance.now() - start
}

const main = async () => {
  const sim = new Simulator({ keys: [KEY] })
  sim.seedAccounts(Array.from({ length: 1_000 }, (_, i) => ({ name: `Company ${i}`, domain: `company${i}.com`, externalId: `crm-${i}` })))
  const server = await listen(sim)
  const crm = await Effect.runPromise(
    Effect.provide(
      RecotapCrm,
      RecotapCrm.layer.pipe(
        Layer.provide(Layer.mergeAll(
          ApiKey.layer(Redacted.make(KEY)),
          Layer.orDie(RecotapConfig.layer({ baseUrl: server.baseUrl })),
          FetchHttpClient.layer
        ))
      )
    )
  )
  const headers = { "x-api-key": KEY, accept: "application/json" }

  const rawPage = async (cursor?: string) => {
    const url = new URL(`${server.baseUrl}/accounts`)
    url.searchParams.set("limit", "100")
    if (cursor !== undefined) url.searchParams.set("cursor", cursor)
    const response = await fetch(url, { headers, redirect: "manual" })
    return (await response.json() as { data: { data: Array<unknown>; nextCursor: string; hasNextPage: boolean } }).data
  }

  let pushRound = 0
  const accounts = (round: number, side: string): ReadonlyArray<AccountInput> =>
    Array.from({ length: 2_000 }, (_, i) => ({ externalId: `${side}-${round}-${i}`, name: `N ${i}`, domain: `${side}${round}-${i}.example` }))

  const scenarios: ReadonlyArray<{ name: string; raw: () => Promise<unknown>; client: () => Promise<unknown> }> = [
    {
      name: "100 pages of 100 accounts, one by one",
      raw: async () => {
        for (let i = 0; i < 100; i++) await rawPage()
      },
      client: () => Effect.runPromise(Effect.repeatN(crm.accounts.list({ limit: 100 }), 99))
    },
    {
      name: "stream all 1000 accounts (10 pages), 10 times",
      raw: async () => {
        for (let i = 0; i < 10; i++) {
          let page = await rawPage()
          while (page.hasNextPage) page = await rawPage(page.nextCursor)
        }
      },
      client: () => Effect.runPromise(Effect.repeatN(Stream.runDrain(crm.accounts.stream({ limit: 100 })), 9))
    },
    {
      // What a caller sees against a real service: the network, not the client, dominates.
      name: "20 pages of 100, server answering in 20 ms",
      raw: async () => {
        sim.faults.always("GET /accounts", Fault.latency(20))
        for (let i = 0; i < 20; i++) await rawPage()
        sim.faults.clear()
      },
      client: async () => {
        sim.faults.always("GET /accounts", Fault.latency(20))
        await Effect.runPromise(Effect.repeatN(crm.accounts.list({ limit: 100 }), 19))
        sim.faults.clear()
      }
    },
    {
      name: "push 2000 accounts (20 requests of 100)",
      raw: async () => {
        const round = pushRound++
        const items = accounts(round, "raw")
        for (let i = 0; i < items.length; i += 100) {
          const response = await fetch(`${server.baseUrl}/accounts`, {
            method: "POST",
            headers: { ...headers, "content-type": "application/json" },
            body: JSON.stringify({ accounts: items.slice(i, i + 100) })
          })
          await response.json()
        }
      },
      client: () => Effect.runPromise(crm.accounts.push(accounts(pushRound++, "client")))
    }
  ]

  console.log(`${ROUNDS} rounds each, median; Node ${process.version}\n`)
  console.log(`${"scenario".padEnd(48)}${"raw fetch".padStart(12)}${"RecotapCrm".padStart(12)}${"ratio".padStart(8)}`)
  for (const scenario of scenarios) {
    await scenario.raw()
    await scenario.client()
    const raw: Array<number> = []
    const client: Array<number> = []
    for (let round = 0; round < ROUNDS; round++) {
      if (round % 2 === 0) {
        raw.push(await time(scenario.raw))
        client.push(await time(scenario.client))
      } else {
        client.push(await time(scenario.client))
        raw.push(await time(scenario.raw))
      }
    }
    const [r, c] = [median(raw), median(client)]
    console.log(`${scenario.name.padEnd(48)}${`${r.toFixed(1)} ms`.padStart(12)}${`${c.toFixed(1)} ms`.padStart(12)}${`${(c / r).toFixed(2)}x`.padStart(8)}`)
  }
  await server.close()
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
