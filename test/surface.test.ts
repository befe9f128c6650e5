import { describe, expect, it } from "@effect/vitest"
import { existsSync, readFileSync } from "node:fs"
import * as Root from "../src/index.js"

const packageJson = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  readonly exports: Record<string, unknown>
  readonly typesVersions: unknown
}

/** The built file of a subpath export, without its extension: `index`, `Account`, `simulator/index`. */
const fileOf = (key: string) => key === "." ? "index" : key === "./simulator" ? "simulator/index" : key.slice(2)

describe("the package root", () => {
  it("holds exactly the Recotap names users import (the surface changes only on purpose)", () => {
    expect(Object.keys(Root).sort()).toEqual([
      "API_KEY_CONFIG_NAME",
      "Account",
      "AccountInput",
      "AccountIssue",
      "AccountPushResult",
      "AccountSyncJob",
      "AccountUpdate",
      "Accounts",
      "ApiKey",
      "BadRequest",
      "BrowserNotAllowed",
      "Bulk",
      "BulkSettle",
      "CheckpointCorrupt",
      "Conflict",
      "CustomField",
      "CustomFieldInput",
      "CustomFieldMismatch",
      "CustomFieldSchema",
      "DealInput",
      "DealPipeline",
      "DealPipelineInput",
      "DealPipelineResult",
      "DealPipelines",
      "DealResult",
      "DealStageInput",
      "ExternalIdMapping",
      "InvalidApiKey",
      "LabelType",
      "ListAccountsParams",
      "ListSegmentsParams",
      "ListUnmappedParams",
      "MalformedAccount",
      "MappingResponse",
      "MissingApiKey",
      "NotFound",
      "RecotapCallOptions",
      "RecotapConfig",
      "RecotapCrm",
      "RecotapMetrics",
      "SalesActivityInput",
      "SalesActivityResult",
      "Segment",
      "Segments",
      "TransportError",
      "UnmappedAccount",
      "UnrecognizedDealPipeline",
      "Violation",
      "customFieldKey",
      "normalizeDomain"
    ])
  })

  it("has no generic name: those live in their module's subpath", () => {
    const generic = [
      "make",
      "validate",
      "summarize",
      "parseBaseUrl",
      "resolveSettings",
      "Pipeline",
      "Contact",
      "CallOptions"
    ]
    for (const name of generic) expect(Root).not.toHaveProperty(name)
    expect(Object.keys(Root.Bulk).sort()).toEqual(["summarize", "unavailableInputs", "unknownInputs"])
  })
})

describe("the subpath exports", () => {
  it("name every public module, each with an ES module and a CommonJS build and their types", () => {
    const modules = Object.keys(packageJson.exports).filter((key) => key !== "." && key !== "./package.json")
    expect(modules).toEqual([
      "./Account",
      "./AccountSyncJob",
      "./ApiKey",
      "./Bulk",
      "./BulkSettle",
      "./ClusterSync",
      "./CustomField",
      "./CustomFieldSchema",
      "./Deal",
      "./DealStage",
      "./Domain",
      "./Fleet",
      "./RecotapCallOptions",
      "./RecotapConfig",
      "./RecotapCrm",
      "./RecotapError",
      "./RecotapMetrics",
      "./SalesActivity",
      "./Segment",
      "./simulator"
    ])
    for (const key of ["."].concat(modules)) {
      const file = fileOf(key)
      expect(packageJson.exports[key]).toEqual({
        import: { types: `./dist/esm/${file}.d.ts`, default: `./dist/esm/${file}.js` },
        require: { types: `./dist/cjs/${file}.d.ts`, default: `./dist/cjs/${file}.js` }
      })
      // The source each entry is built from exists.
      expect(existsSync(new URL(`../src/${file}.ts`, import.meta.url))).toBe(true)
    }
  })

  it("each resolves for moduleResolution node10 too: typesVersions maps it to its CommonJS declarations", () => {
    const modules = Object.keys(packageJson.exports).filter((key) => key !== "." && key !== "./package.json")
    expect(packageJson.typesVersions).toEqual({
      "*": Object.fromEntries(modules.map((key) => [key.slice(2), [`./dist/cjs/${fileOf(key)}.d.ts`]]))
    })
  })
})

describe("the fleet module", () => {
  it("is opt-in: the package root neither names nor loads it (its peers, @effect/experimental and ioredis, are optional)", async () => {
    expect(Root).not.toHaveProperty("Fleet")
    const Fleet = await import("../src/Fleet.js")
    expect(Object.keys(Fleet).sort()).toEqual([
      "Coordination",
      "DEFAULT_LEASE_TTL",
      "DEFAULT_PREFIX",
      "DeadLetter",
      "InvalidOutboxItem",
      "Lease",
      "LeaseLost",
      "OutboxError",
      "OutboxItem",
      "Outboxes",
      "Ticks",
      "everyTick",
      "exclusive",
      "layerMemory",
      "layerOutbox",
      "layerRedis",
      "outbox",
      "scheduleSync"
    ])
  })
})
