import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import { spawn } from "node:child_process"
import { ApiKey, RecotapConfig, RecotapCrm } from "../../src/index.js"
import { Fault, listen, RecotapSimulator, Simulator, SimulatorServer } from "../../src/simulator/index.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())

/** The production client pieces pointed at a base URL. */
const fetchClientFor = (baseUrl: string, key: string) =>
  Layer.mergeAll(
    Layer.orDie(RecotapConfig.layer({ baseUrl })),
    ApiKey.layer(Redacted.make(key)),
    FetchHttpClient.layer
  )

/** The whole stack over loopback HTTP, with a short timeout so that no test waits long. */
const overHttp = RecotapSimulator.layerCrmServer({ config: { timeout: "1 second", retry: { maxRetries: 0 } } })

describe("the simulator over loopback HTTP", () => {
  it.live("binds to 127.0.0.1 on a free port, and the client pages through it with fetch", () =>
    Effect.gen(function*() {
      const server = yield* SimulatorServer
      const sim = yield* RecotapSimulator
      expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(server.port).toBeGreaterThan(0)
      sim.seedAccounts(
        Array.from({ length: 5 }, (_, i) => ({ name: `C${i}`, domain: `c${i}.com`, externalId: `crm-${i}` }))
      )
      const crm = yield* RecotapCrm
      const all = yield* Stream.runCollect(crm.accounts.stream({ limit: 2 }))
      expect(Chunk.toReadonlyArray(all).map((a) => a.domain)).toEqual([
        "c0.com",
        "c1.com",
        "c2.com",
        "c3.com",
        "c4.com"
      ])
      expect(sim.requests).toHaveLength(3)
      expect(sim.requests.every((r) => r.apiKey !== undefined && Redacted.value(r.apiKey) === "sim-key")).toBe(true)
    }).pipe(Effect.provide(overHttp)))

  it.live("a reset connection, a truncated body and a slow answer fail as they would on a real network", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /accounts", Fault.reset(), Fault.truncated(), Fault.latency(3_000), Fault.latency(50))
      expect(yield* Effect.flip(list)).toMatchObject({ _tag: "TransportError", reason: "Transport" })
      expect(yield* Effect.flip(list)).toMatchObject({ _tag: "TransportError", reason: "Transport", status: 200 })
      expect(yield* Effect.flip(list)).toMatchObject({ _tag: "TransportError", reason: "Timeout" })
      expect((yield* list).data).toEqual([])
    }).pipe(Effect.provide(overHttp)))

  it.live("answers real HTTP clients: envelope, 401 and redirects as sent", () =>
    Effect.gen(function*() {
      const server = yield* SimulatorServer
      const sim = yield* RecotapSimulator
      const get = (path: string, headers: Record<string, string> = { "x-api-key": "sim-key" }) =>
        Effect.promise(() => fetch(`${server.baseUrl}${path}`, { headers, redirect: "manual" }))
      const stages = yield* get("/journey-stages")
      expect(stages.status).toBe(200)
      expect(yield* Effect.promise(() => stages.json())).toEqual([
        "Unaware",
        "Aware",
        "Consideration",
        "Opportunity",
        "Customer"
      ])
      const unauthorized = yield* get("/accounts", {})
      expect(unauthorized.status).toBe(401)
      expect(yield* Effect.promise(() => unauthorized.json())).toMatchObject({
        customMessage: "X-Api-Key header is required"
      })
      sim.faults.script("GET /accounts", Fault.redirect("https://elsewhere.example"))
      const redirected = yield* get("/accounts?limit=1")
      expect(redirected.status).toBe(307)
      expect(redirected.headers.get("location")).toBe("https://elsewhere.example/api/v1/crm/accounts?limit=1")
    }).pipe(Effect.provide(RecotapSimulator.layerServer())))

  it.live("stops listening when its scope closes", () =>
    Effect.gen(function*() {
      const origin = yield* Effect.scoped(
        Effect.map(SimulatorServer, (s) => s.origin).pipe(
          Effect.provide(RecotapSimulator.layerServer())
        )
      )
      const refused = yield* Effect.promise(() => fetch(origin).then(() => false, () => true))
      expect(refused).toBe(true)
    }))

  it.live("serves the external revision under /api/v1", () =>
    Effect.gen(function*() {
      const server = yield* SimulatorServer
      expect(server.baseUrl).toBe(`${server.origin}/api/v1`)
      expect((yield* list).data).toEqual([])
    }).pipe(Effect.provide(RecotapSimulator.layerCrmServer({ revision: "external" }))))

  it.live("is usable from plain promises with its own key and base URL", () =>
    Effect.gen(function*() {
      const running = yield* Effect.promise(() => listen(new Simulator({ keys: ["k1"] })))
      const layer = RecotapCrm.layer.pipe(Layer.provide(fetchClientFor(running.baseUrl, "k1")))
      expect((yield* Effect.provide(list, layer)).data).toEqual([])
      yield* Effect.promise(() => running.close())
    }))
})

describe("the effect-recotap-simulator command", () => {
  it("starts on the port it is given, prints its base URL, and answers", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/simulator/cli.ts", "--port", "0", "--demo"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let output = ""
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString()
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/api\/v1\/crm)/.exec(output)
          if (match) resolve(match[1]!)
        })
        child.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)))
      })
      const response = await fetch(`${baseUrl}/accounts?limit=3`, { headers: { "x-api-key": "sim-key" } })
      const body = await response.json() as { data: { data: ReadonlyArray<unknown>; hasNextPage: boolean } }
      expect(body.data.data).toHaveLength(3)
      expect(body.data.hasNextPage).toBe(true)
    } finally {
      child.kill("SIGTERM")
    }
  })
})
