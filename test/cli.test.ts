/**
 * The `effect-recotap` command line against loopback simulators: `check` telling the revisions
 * apart, `conformance`, help, version and exit codes; and never the key in what it prints.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import { readFileSync } from "node:fs"
import { type MockInstance, vi } from "vitest"
import { EXIT, runCli, VERSION } from "../src/internal/cli/run.js"
import { RecotapSimulator, type SimulatorOptions, SimulatorServer } from "../src/simulator/index.js"

const KEY = "sim-cli-secret-key-0123456789"

/** What the command printed, out and err, since the test began. */
let printed: Array<string> = []
let spies: Array<MockInstance> = []
beforeEach(() => {
  printed = []
  const collect = (...args: Array<unknown>) => void printed.push(args.map(String).join(" "))
  spies = [vi.spyOn(console, "log").mockImplementation(collect), vi.spyOn(console, "error").mockImplementation(collect)]
})
afterEach(() => {
  for (const spy of spies) spy.mockRestore()
  // Whatever a test ran, the key was never printed.
  expect(printed.join("\n")).not.toContain(KEY)
})

const output = () => printed.join("\n")

/** Runs the command line with `env` (the key in RECOTAP_API_KEY by default). */
const cli = (args: ReadonlyArray<string>, env: Record<string, string | undefined> = { RECOTAP_API_KEY: KEY }) =>
  runCli(args, env).pipe(Effect.provide(FetchHttpClient.layer))

/** A loopback simulator for the test's scope: the simulator, and the running server. */
const serve = (options: SimulatorOptions = {}) =>
  Effect.map(
    Layer.build(RecotapSimulator.layerServer({ keys: [KEY], ...options })),
    (context) => [Context.get(context, RecotapSimulator), Context.get(context, SimulatorServer)] as const
  )

/** A loopback simulator for the test's scope; its origin. */
const simulator = (options: SimulatorOptions = {}) => Effect.map(serve(options), ([, server]) => server.origin)

describe("effect-recotap --version and --help", () => {
  it.live("--version prints the package's version, on every command", () =>
    Effect.gen(function*() {
      const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
        readonly version: string
      }
      expect(VERSION).toBe(packageJson.version)
      for (const args of [["--version"], ["check", "--version"], ["conformance", "--version"]]) {
        expect(yield* cli(args)).toBe(0)
      }
      expect(printed).toEqual(Array(3).fill(`effect-recotap ${VERSION}`))
    }))

  it.live("--help describes each command, its options and exit codes", () =>
    Effect.gen(function*() {
      expect(yield* cli(["--help"])).toBe(0)
      expect(output()).toContain("check ")
      expect(output()).toContain("conformance ")
      printed = []
      expect(yield* cli(["check", "--help"])).toBe(0)
      expect(output()).toMatch(/--base-url URL[\s\S]*--key-env NAME[\s\S]*Exit codes: 0/)
      printed = []
      expect(yield* cli(["conformance", "--help"])).toBe(0)
      expect(output()).toMatch(/--revision NAME[\s\S]*--sandbox[\s\S]*Exit codes: 0/)
    }))

  it.live("no command, an unknown one, an unknown option or a bad value: exit 64 with the help", () =>
    Effect.gen(function*() {
      for (
        const args of [
          [],
          ["deploy"],
          ["check", "--key", KEY],
          ["check", "--base-url", "ftp://example.com"],
          ["check", "--timeout", "soon"],
          ["conformance", "--revision", "v2"],
          ["conformance", "--sandbox", "--base-url", "http://127.0.0.1:1"]
        ]
      ) {
        printed = []
        expect(yield* cli(args), args.join(" ")).toBe(EXIT.usage)
        expect(output()).toContain("Usage: effect-recotap")
      }
    }))

  it.live("no key in the environment variable: exit 3, naming the variable", () =>
    Effect.gen(function*() {
      expect(yield* cli(["check"], {})).toBe(EXIT.noKey)
      expect(output()).toContain("set RECOTAP_API_KEY")
      printed = []
      expect(yield* cli(["conformance", "--key-env", "CRM_KEY"], { CRM_KEY: "  " })).toBe(EXIT.noKey)
      expect(output()).toContain("set CRM_KEY")
    }))
})

describe("effect-recotap check", () => {
  it.scopedLive("tells the revisions apart: a CRM simulator answers on /api/v1/crm, a framework 404 on /api/v1", () =>
    Effect.gen(function*() {
      const origin = yield* simulator({ revision: "crm" })
      expect(yield* cli(["check", "--base-url", origin])).toBe(0)
      const text = output()
      expect(text).toMatch(new RegExp(`CRM revision +${origin}/api/v1/crm +\\d+ ms +answers, key accepted`))
      expect(text).toMatch(/External revision .* does not serve this revision/)
      expect(text).toContain(`RECOTAP_REVISION=crm RECOTAP_BASE_URL=${origin}/api/v1/crm`)
    }))

  it.scopedLive("and an External simulator the other way round", () =>
    Effect.gen(function*() {
      const origin = yield* simulator({ revision: "external" })
      expect(yield* cli(["check", "--base-url", `${origin}/anything`])).toBe(0)
      expect(output()).toMatch(/CRM revision .* does not serve this revision/)
      expect(output()).toContain(`RECOTAP_REVISION=external RECOTAP_BASE_URL=${origin}/api/v1\n`.trim())
    }))

  it.scopedLive("a refused key: exit 1, the server's words, and the key from --key-env", () =>
    Effect.gen(function*() {
      const origin = yield* simulator({ revision: "crm", keys: ["another-key-entirely"] })
      expect(yield* cli(["check", "--base-url", origin, "--key-env", "MY_KEY"], { MY_KEY: KEY })).toBe(1)
      expect(output()).toContain("answers, key refused (the server says: Invalid API key)")
      expect(output()).toContain("The key was refused wherever it was answered")
    }))

  it.live("nothing listening: exit 2", () =>
    Effect.gen(function*() {
      // A port of a server that has stopped.
      const origin = yield* Effect.scoped(simulator())
      expect(yield* cli(["check", "--base-url", origin, "--timeout", "5"])).toBe(2)
      expect(output()).toContain("no usable answer (Transport")
      expect(output()).toContain("No base URL answered")
    }))

  it.live("a key that cannot be a header value is refused before anything is sent: exit 1", () =>
    Effect.gen(function*() {
      expect(yield* cli(["check", "--base-url", "http://127.0.0.1:9"], { RECOTAP_API_KEY: `${KEY}\n` })).toBe(1)
      expect(output()).toContain("The key in RECOTAP_API_KEY cannot be used")
    }))
})

describe("effect-recotap conformance", () => {
  it.scopedLive("against the reference simulator, every assumption holds, paging included", () =>
    Effect.gen(function*() {
      const origin = yield* simulator({ revision: "external" })
      const exit = yield* cli(["conformance", "--base-url", origin, "--revision", "external"])
      const text = output()
      expect(text).toContain(`Conformance of ${origin}/api/v1 (external revision)`)
      expect(text).toMatch(/holds +envelope/)
      expect(text).toMatch(/holds +missing key/)
      expect(text).toMatch(/holds +invalid key/)
      expect(text).toMatch(/holds +route not found/)
      expect(text).toMatch(/holds +error envelope/)
      expect(text).toMatch(/holds +journey stages/)
      expect(text).toMatch(/holds +deal stages/)
      expect(exit).toBe(0)
    }))

  it.scopedLive("paging is read across two pages when there are two accounts", () =>
    Effect.gen(function*() {
      const [sim, running] = yield* serve()
      sim.seedAccounts([
        { name: "A", domain: "a.example", externalId: "a" },
        { name: "B", domain: "b.example", externalId: "b" },
        { name: "C", domain: "c.example", externalId: "c" }
      ])
      expect(yield* cli(["conformance", "--base-url", running.origin])).toBe(0)
      expect(output()).toMatch(/holds +paging .*\n.*two pages read/)
    }))

  it.scopedLive("against the live-like profile, the 401 wording differs: exit 1, and it says how the client reads it", () =>
    Effect.gen(function*() {
      const origin = yield* simulator({ profile: "observed" })
      expect(yield* cli(["conformance", "--base-url", origin])).toBe(1)
      expect(output()).toMatch(/differs +missing key .*\n.*401 "Unauthorized access": the client reads/)
    }))

  it.scopedLive("the wrong revision's paths: the checks differ, saying what answered", () =>
    Effect.gen(function*() {
      const origin = yield* simulator({ revision: "crm" })
      expect(yield* cli(["conformance", "--base-url", origin, "--revision", "external"])).toBe(1)
      expect(output()).toMatch(/differs +envelope .*\n.*answered 404: Cannot GET/)
    }))

  it.scopedLive("read-only unless --allow-writes: every request is a GET, nothing is stored", () =>
    Effect.gen(function*() {
      const [sim, running] = yield* serve()
      expect(yield* cli(["conformance", "--base-url", running.origin])).toBe(0)
      expect(output()).toContain("(read-only)")
      expect(sim.requests.length).toBeGreaterThan(8)
      expect(new Set(sim.requests.map((request) => request.method))).toEqual(new Set(["GET"]))
      expect(sim.accounts()).toEqual([])
    }))

  it.scopedLive("--allow-writes on a loopback simulator pushes one account, and says how it came out", () =>
    Effect.gen(function*() {
      const [sim, running] = yield* serve({ revision: "external" })
      expect(yield* cli(["conformance", "--base-url", running.origin, "--revision", "external", "--allow-writes"]))
        .toBe(0)
      expect(output()).toContain("(writes allowed: one account pushed)")
      expect(output()).toMatch(/holds +push .*\n.*Applied \(created\): conformance-\w+\.example\.com/)
      expect(sim.accounts()).toHaveLength(1)
    }))

  it.live("--allow-writes anywhere but the sandbox or loopback: exit 64, nothing sent", () =>
    Effect.gen(function*() {
      expect(yield* cli(["conformance", "--allow-writes"])).toBe(EXIT.usage)
      expect(
        yield* cli([
          "conformance",
          "--revision",
          "external",
          "--base-url",
          "https://eapi.recotap.com",
          "--allow-writes"
        ])
      )
        .toBe(EXIT.usage)
      expect(output()).toContain("--allow-writes only with --sandbox, or a base URL on loopback")
    }))

  it.live("nothing listening: exit 2", () =>
    Effect.gen(function*() {
      const origin = yield* Effect.scoped(simulator())
      expect(yield* cli(["conformance", "--base-url", origin, "--timeout", "5"])).toBe(2)
      expect(output()).toContain("unreachable")
    }))
})
