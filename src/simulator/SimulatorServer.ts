/**
 * The simulator served over real HTTP on a loopback address, for examples, benchmarks and
 * integration tests in any language.
 *
 * @since 0.1.0
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import * as http from "node:http"
import type { Reply } from "./Reply.js"
import type { Simulator } from "./Simulator.js"

/**
 * Where to listen. Only loopback hosts make sense: the simulator is not a service for others.
 *
 * @since 0.1.0
 * @category models
 */
export interface ListenOptions {
  /** Default `127.0.0.1`. */
  readonly host?: string
  /** Default `0`: any free port. */
  readonly port?: number
}

/**
 * A running simulator server.
 *
 * @since 0.1.0
 * @category models
 */
export interface RunningSimulator {
  /** `http://127.0.0.1:PORT` */
  readonly origin: string
  /** The origin plus the simulator's API prefix: the client's base URL. */
  readonly baseUrl: string
  readonly port: number
  /** Stops listening and drops open connections. */
  readonly close: () => Promise<void>
}

/**
 * The server could not start (e.g. the port is taken).
 *
 * @since 0.1.0
 * @category errors
 */
export class SimulatorServeError extends Schema.TaggedError<SimulatorServeError>()("SimulatorServeError", {
  message: Schema.String,
  cause: Schema.Defect
}) {}

const flattenHeaders = (headers: http.IncomingHttpHeaders): Record<string, string> => {
  const flat: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value
  }
  return flat
}

const send = (reply: Reply, request: http.IncomingMessage, response: http.ServerResponse): void => {
  switch (reply._tag) {
    case "Reset": {
      const socket = request.socket as { resetAndDestroy?: () => void; destroy: () => void }
      if (socket.resetAndDestroy) socket.resetAndDestroy()
      else socket.destroy()
      return
    }
    case "Truncated": {
      const body = Buffer.from(reply.body)
      response.writeHead(reply.status, { ...reply.headers, "content-length": body.length })
      response.write(body.subarray(0, Math.floor(body.length / 2)), () => response.socket?.destroy())
      return
    }
    case "Respond": {
      const body = Buffer.from(reply.body)
      response.writeHead(reply.status, { ...reply.headers, "content-length": body.length })
      response.end(body)
    }
  }
}

/**
 * Starts an HTTP server answering with `simulator`.
 *
 * @since 0.1.0
 * @category utils
 */
export const listen = (simulator: Simulator, options: ListenOptions = {}): Promise<RunningSimulator> => {
  const host = options.host ?? "127.0.0.1"
  const timers = new Set<NodeJS.Timeout>()
  const server = http.createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk: Buffer) => chunks.push(chunk))
    request.on("end", () => {
      const reply = simulator.reply({
        method: request.method ?? "GET",
        url: new URL(request.url ?? "/", `http://${request.headers.host ?? host}`),
        headers: flattenHeaders(request.headers),
        body: Buffer.concat(chunks).toString("utf8")
      })
      if (reply.delayMillis <= 0) return send(reply, request, response)
      const timer = setTimeout(() => {
        timers.delete(timer)
        send(reply, request, response)
      }, reply.delayMillis)
      timers.add(timer)
    })
  })
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject)
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : (options.port ?? 0)
      const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`
      resolve({
        origin,
        baseUrl: `${origin}${simulator.prefix}`,
        port,
        close: () =>
          new Promise<void>((done) => {
            for (const timer of timers) clearTimeout(timer)
            timers.clear()
            server.closeAllConnections()
            server.close(() => done())
          })
      })
    })
  })
}

/**
 * Serves `simulator` on loopback for the lifetime of the scope.
 *
 * @since 0.1.0
 * @category utils
 */
export const serve = (
  simulator: Simulator,
  options: ListenOptions = {}
): Effect.Effect<RunningSimulator, SimulatorServeError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => listen(simulator, options),
      catch: (cause) => new SimulatorServeError({ message: `The simulator could not listen: ${String(cause)}`, cause })
    }),
    (running) => Effect.promise(() => running.close())
  )
