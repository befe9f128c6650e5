/**
 * A real `redis-server` for the tests that need one: on a free loopback port, persistence off,
 * started by the test file and stopped after it. Debian's package: `apt-get install redis-server`.
 */
import { afterAll, beforeAll } from "@effect/vitest"
import { Redis } from "ioredis"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { createServer, Socket } from "node:net"

/** Whether `redis-server` can be started here. */
export const hasRedisServer: boolean = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0

/** Why the Redis tests are skipped, in their title. */
export const missingRedis = "(skipped: redis-server is not installed; apt-get install redis-server)"

/** A free TCP port on 127.0.0.1. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const answersPing = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = new Socket()
    socket.setTimeout(500)
    socket.once("error", () => resolve(false))
    socket.once("timeout", () => {
      socket.destroy()
      resolve(false)
    })
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"))
    socket.once("data", (data) => {
      socket.destroy()
      resolve(data.toString().startsWith("+PONG"))
    })
  })

/** A running redis-server. */
export interface RedisServer {
  readonly port: number
  readonly stop: () => Promise<void>
}

/** Starts redis-server on a free loopback port, without persistence, and waits until it answers. */
export const startRedis = async (): Promise<RedisServer> => {
  const port = await freePort()
  const child: ChildProcess = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes"],
    { stdio: "ignore" }
  )
  for (let tries = 0; tries < 100; tries++) {
    if (await answersPing(port)) {
      return {
        port,
        stop: () =>
          new Promise((resolve) => {
            if (child.exitCode !== null) return resolve()
            child.once("exit", () => resolve())
            child.kill("SIGTERM")
          })
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  child.kill("SIGKILL")
  throw new Error(`redis-server did not answer on 127.0.0.1:${port}`)
}

/**
 * A redis-server for the test file that calls this (started before its tests, stopped after),
 * and a connection to it for the tests to look inside; nothing when redis-server is missing.
 */
export const redisForThisFile = () => {
  const state: { server?: RedisServer; client?: Redis } = {}
  beforeAll(async () => {
    if (!hasRedisServer) return
    state.server = await startRedis()
    state.client = new Redis({ host: "127.0.0.1", port: state.server.port })
  })
  afterAll(async () => {
    await state.client?.quit()
    await state.server?.stop()
  })
  return {
    /** The port redis-server listens on (tests run only once it does). */
    port: () => state.server?.port ?? 0,
    /** The test's own connection. */
    client: (): Redis => {
      if (state.client === undefined) throw new Error("redis-server is not running")
      return state.client
    }
  }
}
