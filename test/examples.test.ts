import { describe, expect, it } from "@effect/vitest"
import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"

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
