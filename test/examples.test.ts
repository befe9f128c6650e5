import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { hasRedisServer, missingRedis } from "./fleet/redisServer.js"

const root = fileURLToPath(new URL("..", import.meta.url))
const run = (example: string) =>
  promisify(execFile)(fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url)), [example], {
    cwd: root,
    timeout: 60_000
  })

describe("the examples run on the simulator, as the README says", () => {
  it("examples/crm-sync.ts: fields ensured, a typed push that settles, a sync that resumes after a crash", async () => {
    const { stdout } = await run("examples/crm-sync.ts")
    expect(stdout).toMatch(/"settled":true/)
    expect(stdout).toContain("crashed halfway (the handler failed); the checkpoint stays")
    expect(stdout).toMatch(/scheduled run 2: initech\.com/)
    expect(stdout).toContain("checkpoint stored after run 2")
  }, 60_000)

  it("examples/first-program.ts: the README's first program, no key, no network", async () => {
    const { stdout } = await run("examples/first-program.ts")
    expect(stdout.trim()).toBe("acme.com: score 82, stage Opportunity")
  }, 60_000)

  it("examples/sync.ts (npm start) and examples/list-accounts.ts", async () => {
    const sync = await run("examples/sync.ts")
    expect(sync.stdout).toContain("Full sync: 7 accounts")
    expect(sync.stdout).toContain("Delta sync since the checkpoint: 5 changed")
    const list = await run("examples/list-accounts.ts")
    expect(list.stdout).toContain("score")
  }, 60_000)
})

describe.skipIf(!hasRedisServer)(`examples/fleet.ts ${hasRedisServer ? "" : missingRedis}`, () => {
  it(
    "three replicas on one key: one budget, one pause, one checkpoint, no key in Redis, one outbox, one sync per tick",
    async () => {
      const { stdout } = await run("examples/fleet.ts")
      // 15 requests at 5 per second between the replicas: the last window opens 2 s after the first.
      const spread = Number(/budget: 15 requests from 3 replicas over (\d+) ms/.exec(stdout)?.[1])
      expect(spread).toBeGreaterThanOrEqual(1900)
      expect(stdout).toMatch(
        /pause: replica 1 got TransportError 429; replicas 2 and 3 sent 1\d{3} ms and 1\d{3} ms after it/
      )
      expect(stdout).toMatch(/replica 3 reads the checkpoint \d{4}-/)
      expect(stdout).toContain("the API key appears in none: true")
      expect(stdout).toContain("outbox: 20 account pushes offered, 20 created on Recotap by the drain, 0 dead letters")
      expect(stdout).toContain("syncs in each of 3 ticks: 1, 1, 1")
    },
    60_000
  )
})
