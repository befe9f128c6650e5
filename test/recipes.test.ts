/**
 * The recipes of docs/guides/recipes.md, run as a user writes them, over `fetch` and the loopback simulator
 * server: request logging turned on, an HTTP proxy (a CONNECT proxy of our own on loopback), a
 * `fetch` of your own, and cancellation from an `AbortSignal`.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { describe, expect, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as LogLevel from "effect/LogLevel"
import * as Redacted from "effect/Redacted"
import * as http from "node:http"
import * as net from "node:net"
import { ProxyAgent } from "undici"
import { ApiKey, RecotapConfig, RecotapCrm } from "../src/index.js"
import { RecotapSimulator, SimulatorServer } from "../src/simulator/index.js"
import { recordingLogger, SECRET } from "./helpers.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())

/** A CONNECT proxy on loopback that tunnels to any host and records where to. */
const connectProxy = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly tunnels: Array<string>; readonly server: http.Server }>((resume) => {
    const tunnels: Array<string> = []
    const server = http.createServer((_, response) => response.writeHead(405).end())
    server.on("connect", (request: http.IncomingMessage, socket: net.Socket, head: Buffer) => {
      const target = request.url ?? ""
      tunnels.push(target)
      const [host, port] = target.split(":")
      const upstream = net.connect(Number(port), host, () => {
        socket.write("HTTP/1.1 200 Connection Established\r\n\r\n")
        upstream.write(head)
        upstream.pipe(socket)
        socket.pipe(upstream)
      })
      upstream.on("error", () => socket.destroy())
      socket.on("error", () => upstream.destroy())
    })
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      resume(Effect.succeed({ url: `http://127.0.0.1:${port}`, tunnels, server }))
    })
  }),
  ({ server }) =>
    Effect.async<void>((resume) => {
      server.closeAllConnections()
      server.close(() => resume(Effect.void))
    })
)

const onServer = RecotapSimulator.layerCrmServer({ keys: [SECRET] })

describe("recipe: request logging", () => {
  it.effect("Logger.minimumLogLevel(Debug) shows one line per request, the key never in it", () => {
    const logs = recordingLogger()
    return Effect.gen(function*() {
      yield* list.pipe(Effect.provide(Logger.minimumLogLevel(LogLevel.Debug)))
      // Each record is kept in two forms (logfmt and JSON): the logfmt ones.
      const requestLines = () => logs.lines.filter((line) => !line.startsWith("{") && line.includes("GET"))
      const lines = requestLines()
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain("/accounts")
      expect(lines[0]).toContain("200")
      expect(logs.lines.join("\n")).not.toContain(SECRET)
      // At the default level (Info), none.
      yield* list
      expect(requestLines()).toHaveLength(1)
    }).pipe(Effect.provide(Layer.merge(onServer, logs.layer)))
  })
})

describe("recipe: an HTTP proxy", () => {
  it.scoped("requests go through the proxy given as the fetch dispatcher (undici's ProxyAgent)", () =>
    Effect.gen(function*() {
      const proxy = yield* connectProxy
      const server = yield* SimulatorServer
      const agent = yield* Effect.acquireRelease(
        Effect.sync(() => new ProxyAgent(proxy.url)),
        (agent) => Effect.promise(() => agent.close())
      )
      const init: RequestInit & { readonly dispatcher: ProxyAgent } = { dispatcher: agent }
      const page = yield* list.pipe(Effect.provideService(FetchHttpClient.RequestInit, init))
      expect(page.data).toEqual([])
      expect(proxy.tunnels).toEqual([new URL(server.origin).host])
    }).pipe(Effect.provide(onServer)))
})

describe("recipe: a fetch of your own", () => {
  it.effect("FetchHttpClient.Fetch replaces fetch for the client's requests; the key is set only in the header", () => {
    const seen: Array<{ readonly url: string; readonly key: string | null }> = []
    const myFetch: typeof globalThis.fetch = (input, init) => {
      const request = new Request(input, init)
      seen.push({ url: request.url, key: request.headers.get("x-api-key") })
      return globalThis.fetch(request)
    }
    return Effect.gen(function*() {
      yield* list
      expect(seen).toHaveLength(1)
      expect(seen[0]!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*\/accounts$/)
      expect(seen[0]!.key).toBe(SECRET)
    }).pipe(
      Effect.provide(onServer),
      Effect.provideService(FetchHttpClient.Fetch, myFetch)
    )
  })
})

describe("recipe: cancellation", () => {
  it.live("an AbortSignal given to Effect.runPromise aborts the request in flight", () =>
    Effect.gen(function*() {
      let signal: AbortSignal | undefined
      const hanging: typeof globalThis.fetch = (_, init) =>
        new Promise((_, reject) => {
          signal = init?.signal ?? undefined
          signal?.addEventListener("abort", () => reject(signal?.reason))
        })
      const CrmLive = RecotapCrm.layer.pipe(
        Layer.provide(ApiKey.layer(Redacted.make(SECRET))),
        Layer.provide(RecotapConfig.layer({ baseUrl: "http://127.0.0.1:9", timeout: "1 minute" })),
        Layer.provide(FetchHttpClient.layer),
        Layer.provide(Layer.succeed(FetchHttpClient.Fetch, hanging))
      )
      const controller = new AbortController()
      const running = Effect.runPromiseExit(list.pipe(Effect.provide(CrmLive)), { signal: controller.signal })
      yield* Effect.sleep("50 millis")
      expect(signal?.aborted).toBe(false)
      controller.abort()
      const exit = yield* Effect.promise(() => running)
      expect(exit._tag).toBe("Failure")
      expect(exit._tag === "Failure" && Cause.isInterruptedOnly(exit.cause)).toBe(true)
      expect(signal?.aborted).toBe(true)
    }))
})
