/**
 * The two revisions of the API (the reference, §0), chosen on purpose: base URLs, what
 * `accounts.update` addresses, what a push needs and may send, how results are matched, and a
 * wrong base URL told apart from a missing account.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigProvider from "effect/ConfigProvider"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import { RecotapConfig, type RecotapConfigOptions, RecotapCrm } from "../src/index.js"
import { BASE_URLS, SANDBOX_BASE_URL } from "../src/RecotapConfig.js"
import { RecotapSimulator, SIMULATOR_ORIGIN } from "../src/simulator/index.js"
import { crmWith, envelope, errorEnvelope, json, SIM_PROFILES } from "./helpers.js"

const withEnv = (env: Record<string, string>) => Layer.setConfigProvider(ConfigProvider.fromJson(env))

const settingsOf = (options: RecotapConfigOptions) =>
  Effect.flatMap(RecotapConfig, Effect.succeed).pipe(Effect.provide(RecotapConfig.layer(options)))

const ok = () => envelope({ message: "Account updated successfully" })

describe("the revision setting", () => {
  it.effect("sets the default base URL: CRM by default, External, or the sandbox", () =>
    Effect.gen(function*() {
      expect(yield* settingsOf({})).toMatchObject({ revision: "crm", baseUrl: "https://eapi.recotap.com/api/v1/crm" })
      expect(yield* settingsOf({ revision: "external" })).toMatchObject({
        revision: "external",
        baseUrl: "https://eapi.recotap.com/api/v1"
      })
      expect(yield* settingsOf({ sandbox: true })).toMatchObject({ revision: "external", baseUrl: SANDBOX_BASE_URL })
      expect(SANDBOX_BASE_URL).toBe("https://sandboxapi.reco-tap.com/api/v1")
      // A base URL given explicitly wins; the revision still sets the semantics.
      expect(yield* settingsOf({ revision: "external", baseUrl: "http://127.0.0.1:4010/api/v1/" })).toMatchObject({
        revision: "external",
        baseUrl: "http://127.0.0.1:4010/api/v1"
      })
    }))

  it.effect("the sandbox with the CRM revision, or an unknown revision, fails the layer", () =>
    Effect.gen(function*() {
      const sandboxCrm = yield* Effect.exit(settingsOf({ sandbox: true, revision: "crm" }))
      expect(String(sandboxCrm)).toContain("sandbox serves the External revision")
      const unknown = yield* Effect.exit(settingsOf({ revision: "v2" as never }))
      expect(Exit.isFailure(unknown)).toBe(true)
    }))

  it.effect("is read from RECOTAP_REVISION and RECOTAP_SANDBOX", () =>
    Effect.gen(function*() {
      const read = (env: Record<string, string>) =>
        Effect.exit(
          Effect.flatMap(RecotapConfig, Effect.succeed).pipe(
            Effect.provide(RecotapConfig.layerConfig()),
            Effect.provide(withEnv(env))
          )
        )
      expect(yield* read({ RECOTAP_REVISION: "external" })).toMatchObject({
        value: { revision: "external", baseUrl: BASE_URLS.external }
      })
      expect(yield* read({ RECOTAP_SANDBOX: "true" })).toMatchObject({
        value: { revision: "external", baseUrl: SANDBOX_BASE_URL }
      })
      expect(Exit.isFailure(yield* read({ RECOTAP_REVISION: "crmx" }))).toBe(true)
    }))
})

describe("accounts.update addresses the account its revision documents", () => {
  it.effect("CRM: PUT /accounts/:externalId; an rtpAid is refused locally", () => {
    const { layer, sent } = crmWith(ok)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      yield* crm.accounts.update({ externalId: "crm-1" }, { customFields: {} })
      expect(sent[0]?.url.toString()).toBe(`${BASE_URLS.crm}/accounts/crm-1`)
      const error = yield* Effect.flip(
        crm.accounts.update({ rtpAid: "6a21b8855a81c58936372c2d" }, { customFields: {} })
      )
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "client" })
      expect(error.message).toContain("externalId")
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("External: PUT /accounts/:rtp_aid; an externalId is refused locally", () => {
    const { layer, sent } = crmWith(ok, undefined, { revision: "external", retry: { maxRetries: 0 } })
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      yield* crm.accounts.update({ rtpAid: "6a21b8855a81c58936372c2d" }, { customFields: { X_C: 1 } })
      expect(sent[0]?.url.toString()).toBe(`${BASE_URLS.external}/accounts/6a21b8855a81c58936372c2d`)
      const error = yield* Effect.flip(crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "client" })
      expect(error.message).toContain("rtp_aid")
      const both = yield* Effect.flip(
        crm.accounts.update({ externalId: "a", rtpAid: "b" } as never, { customFields: {} })
      )
      expect(both).toMatchObject({ _tag: "BadRequest", origin: "client" })
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("an ID is always exactly one path segment: empty, `.` and `..` are refused, nothing is sent", () => {
    const { layer, sent } = crmWith(ok)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      for (const id of ["", " ", ".", ".."]) {
        const error = yield* Effect.flip(crm.accounts.update({ externalId: id }, { customFields: {} }))
        expect(error).toMatchObject({ _tag: "BadRequest", origin: "client" })
        expect(error.message).toContain("externalId")
      }
      expect(sent).toHaveLength(0)
      for (const id of ["...", "a.b", ".hidden", "crm/../x", "%2E%2E"]) {
        yield* crm.accounts.update({ externalId: id }, { customFields: {} })
      }
      expect(sent.map((r) => r.url.pathname)).toEqual([
        "/api/v1/crm/accounts/...",
        "/api/v1/crm/accounts/a.b",
        "/api/v1/crm/accounts/.hidden",
        "/api/v1/crm/accounts/crm%2F..%2Fx",
        "/api/v1/crm/accounts/%252E%252E"
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 204, or an empty 200, is success", () =>
    Effect.gen(function*() {
      for (const answer of [() => new Response(null, { status: 204 }), () => new Response("", { status: 200 })]) {
        const { layer } = crmWith(answer)
        yield* Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
          .pipe(
            Effect.provide(layer)
          )
      }
    }))
})

describe("accounts.update: name and tags, in the External revision only (§2.3 [3P])", () => {
  it.effect("CRM: name and tags are refused before sending, each named, as its docs accept only customFields", () => {
    const { layer, sent } = crmWith(ok)
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(
        crm.accounts.update({ externalId: "crm-1" }, { customFields: { X_C: 1 }, name: "Acme", tags: ["a"] })
      )
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "client" })
      expect(error._tag === "BadRequest" && error.violations.map((v) => v.property)).toEqual(["name", "tags"])
      expect(error.message).toContain("the CRM revision updates only customFields")
      expect(error.message).toContain("revision \"external\"")
      expect(sent).toHaveLength(0)
    }).pipe(Effect.provide(layer))
  })

  it.effect("External, on the simulator (which answers as the live service was seen to): name and tags are written", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const crm = yield* RecotapCrm
      sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
      const [seeded] = sim.seedAccounts([{ name: "acme", domain: "acme.com", tags: ["old"] }])
      yield* crm.accounts.update({ rtpAid: seeded!.rtp_aid }, { name: "Acme Inc", tags: ["tier-1", "emea"] })
      yield* crm.accounts.update({ rtpAid: seeded!.rtp_aid }, { customFields: { TIER_C: "gold" } })

      expect(sim.requests.map((r) => r.body)).toEqual([
        { name: "Acme Inc", tags: ["tier-1", "emea"] },
        { customFields: { TIER_C: "gold" } }
      ])
      expect(sim.account("acme.com")).toMatchObject({
        name: "Acme Inc",
        tags: ["tier-1", "emea"],
        customFields: { TIER_C: "gold" }
      })
      const blank = yield* Effect.flip(crm.accounts.update({ rtpAid: seeded!.rtp_aid }, { name: " " }))
      expect(blank).toMatchObject({ _tag: "BadRequest", origin: "client" })
      expect(sim.requests).toHaveLength(2)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ revision: "external" }))))

  it.effect("External, where the service follows its docs and refuses them: its BadRequest, naming the field", () => {
    const refusal = () =>
      errorEnvelope(400, {
        message: "Bad Request",
        data: [{ property: "name", constraints: { whitelistValidation: "property name should not exist" } }]
      })
    const { layer, sent } = crmWith(refusal, undefined, { revision: "external", retry: { maxRetries: 0 } })
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.accounts.update({ rtpAid: "6a21b8855a81c58936372c2d" }, { name: "Acme" }))
      expect(error).toMatchObject({
        _tag: "BadRequest",
        origin: "server",
        violations: [{ property: "name", constraints: { whitelistValidation: "property name should not exist" } }]
      })
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})

describe("a wrong base URL is told apart from a missing account", () => {
  const cannot = (method: string, path: string) =>
    json({ message: `Cannot ${method} ${path}`, error: "Not Found", statusCode: 404 }, 404)

  it.effect("the framework's route-not-found is a TransportError naming the other revision's base URL", () =>
    Effect.gen(function*() {
      const answers = [
        () => cannot("PUT", "/api/v1/crm/accounts/crm-1"),
        () =>
          new Response("<!DOCTYPE html><html><body><pre>Cannot PUT /api/v1/crm/accounts/crm-1</pre></body></html>", {
            status: 404
          })
      ]
      for (const answer of answers) {
        const { layer } = crmWith(answer)
        const error = yield* Effect.flip(
          Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
        ).pipe(Effect.provide(layer))
        expect(error).toMatchObject({
          _tag: "TransportError",
          reason: "RouteNotFound",
          status: 404,
          notProcessed: true
        })
        expect(error.message).toContain(BASE_URLS.external)
        expect(error.message).toContain("Cannot PUT /api/v1/crm/accounts/crm-1")
      }
    }))

  it.effect("the documented account-not-found stays NotFound", () => {
    const { layer } = crmWith(() => errorEnvelope(404, { message: "Not Found", customMessage: "Account not found" }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      expect(error._tag).toBe("NotFound")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a bulk push to a base URL without the route: Unavailable, and the later requests are not sent", () => {
    const { layer, sent } = crmWith(() => cannot("POST", "/api/v1/accounts"), undefined, {
      revision: "external",
      retry: { maxRetries: 0 }
    })
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const items = Array.from({ length: 150 }, (_, i) => ({ name: `C${i}`, domain: `c${i}.com` }))
      const result = yield* crm.accounts.push(items)
      expect(result.summary).toMatchObject({ total: 150, unavailable: 150 })
      expect(result.outcomes[149]).toMatchObject({
        _tag: "Unavailable",
        error: { reason: "RouteNotFound", status: 404 }
      })
      expect(String(result.outcomes[0]?._tag === "Unavailable" && result.outcomes[0].error.message)).toContain(
        BASE_URLS.crm
      )
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  for (const profile of SIM_PROFILES) {
    it.effect(`against the simulator (${profile} profile): a CRM client pointed at an External workspace`, () =>
      Effect.gen(function*() {
        const crm = yield* RecotapCrm
        const error = yield* Effect.flip(crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
        expect(error).toMatchObject({ _tag: "TransportError", reason: "RouteNotFound", status: 404 })
        expect(error.message).toContain("revision: \"external\"")
      }).pipe(
        Effect.provide(RecotapSimulator.layerCrm({
          profile,
          revision: "external",
          config: { revision: "crm", baseUrl: `${SIMULATOR_ORIGIN}/api/v1/crm`, retry: { maxRetries: 0 } }
        }))
      ))
  }
})

describe("accounts.push per revision", () => {
  it.effect("CRM: externalId is required (Invalid, not sent); External: optional", () =>
    Effect.gen(function*() {
      const crmSide = crmWith(() => envelope({ results: [] }))
      const crm = yield* Effect.provide(RecotapCrm, crmSide.layer)
      const refused = yield* crm.accounts.push([{ name: "Acme", domain: "acme.com" }])
      expect(refused.outcomes[0]).toMatchObject({
        _tag: "Invalid",
        error: expect.stringContaining("externalId is required")
      })
      expect(crmSide.sent).toHaveLength(0)

      const externalSide = crmWith(
        () => envelope({ results: [{ rtp_aid: "6a21b8855a81c58936372c2d", domain: "acme.com", status: "created" }] }),
        undefined,
        { revision: "external", retry: { maxRetries: 0 } }
      )
      const external = yield* Effect.provide(RecotapCrm, externalSide.layer)
      const created = yield* external.accounts.push([{ name: "Acme", domain: "acme.com" }])
      expect(created.outcomes[0]).toMatchObject({ _tag: "Applied", status: "created" })
    }))

  it.effect("External results are matched to items by normalised domain, whatever order and form", () => {
    const inputs = [
      { name: "A", domain: "https://www.Acme.COM/about" },
      { name: "B", domain: "beta.io." },
      { name: "C", domain: "gamma.dev:8443" },
      { name: "D", domain: "WWW.delta.org" }
    ]
    const { layer } = crmWith(
      () =>
        envelope({
          results: [
            { rtp_aid: "d", domain: "delta.org", status: "created" },
            {
              rtp_aid: null,
              domain: "gamma.dev:8443",
              status: "failed",
              error: "Account with domain 'gamma.dev:8443' already exists"
            },
            { rtp_aid: "a", domain: "acme.com", status: "updated" },
            { rtp_aid: "b", domain: "beta.io", status: "created" }
          ]
        }),
      undefined,
      { revision: "external", retry: { maxRetries: 0 } }
    )
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const result = yield* crm.accounts.push(inputs, { upsert: true })
      expect(result.outcomes.map((o) => [o._tag, o._tag === "Applied" ? o.result.rtp_aid : ""])).toEqual([
        ["Applied", "a"],
        ["Applied", "b"],
        ["Rejected", ""],
        ["Applied", "d"]
      ])
    }).pipe(Effect.provide(layer))
  })

  it.effect("External, end to end on the simulator: push without externalId, upsert, update by rtp_aid", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const sim = yield* RecotapSimulator
      sim.seedCustomFields([{ label: "Stage", labelType: "singleLineText" }])
      const first = yield* crm.accounts.push([{ name: "Acme", domain: "https://www.ACME.com/" }, {
        name: "Beta",
        domain: "beta.io"
      }])
      expect(first.outcomes.map((o) => o._tag)).toEqual(["Applied", "Applied"])
      const again = yield* crm.accounts.push([{ name: "Beta Inc", domain: "WWW.beta.io" }, {
        name: "Acme 2",
        domain: "acme.com"
      }], {
        upsert: true
      })
      expect(again.outcomes.map((o) => (o._tag === "Applied" ? o.status : o._tag))).toEqual(["updated", "updated"])
      // The simulator keeps a port and a trailing dot as given; results still find their items.
      const odd = yield* crm.accounts.push([{ name: "Gamma", domain: "Gamma.dev:8443" }, {
        name: "Delta",
        domain: "www.delta.org."
      }])
      expect(odd.outcomes.map((o) => o._tag)).toEqual(["Applied", "Applied"])
      const rtpAid = sim.account("acme.com").rtp_aid
      yield* crm.accounts.update({ rtpAid }, { customFields: { STAGE_C: "POC" } })
      expect(sim.account("acme.com")).toMatchObject({ name: "Acme 2", customFields: { STAGE_C: "POC" } })
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ revision: "external" }))))
})

describe("smaller points of the reference", () => {
  it.effect("external-ID mappings: when updated < matched, no outcome claims to be written", () =>
    Effect.gen(function*() {
      const mappings = [
        { domain: "acme.com", externalId: "crm-1" },
        { domain: "beta.io", externalId: "crm-2" },
        { domain: "nope.com", externalId: "crm-3" }
      ]
      const partly = crmWith(() => envelope({ matched: 2, updated: 1, notFound: ["nope.com"] }))
      const result = yield* Effect.flatMap(RecotapCrm, (crm) => crm.accounts.mapExternalIds(mappings)).pipe(
        Effect.provide(partly.layer)
      )
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Unknown", "Unknown", "Rejected"])
      expect(result.outcomes[0]?._tag === "Unknown" && result.outcomes[0].error.message).toContain("updated 1")

      const all = crmWith(() => envelope({ matched: 2, updated: 2, notFound: ["nope.com"] }))
      const full = yield* Effect.flatMap(RecotapCrm, (crm) => crm.accounts.mapExternalIds(mappings)).pipe(
        Effect.provide(all.layer)
      )
      expect(full.outcomes.map((o) => o._tag)).toEqual(["Applied", "Applied", "Rejected"])
    }))

  it.effect("GET requests send Content-Type: application/json, as the reference's examples do", () => {
    const { layer, sent } = crmWith(() => envelope({ data: [], nextCursor: null, hasNextPage: false }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      yield* crm.accounts.list()
      expect(sent[0]?.method).toBe("GET")
      expect(sent[0]?.headers["content-type"]).toBe("application/json")
    }).pipe(Effect.provide(layer))
  })
})

describe("per-item failures of a deal push", () => {
  it.effect("a deal Recotap fails is Rejected with its text; the others are Applied", () =>
    Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const sim = yield* RecotapSimulator
      sim.failItems(
        "POST /deals",
        (deal) => (deal["externalDealId"] === "d-2" ? "Pipeline 'x' is archived" : undefined)
      )
      const result = yield* crm.deals.push([1, 2, 3].map((n) => ({ externalDealId: `d-${n}`, name: `Deal ${n}` })))
      expect(result.outcomes.map((o) => o._tag)).toEqual(["Applied", "Rejected", "Applied"])
      expect(result.outcomes[1]).toMatchObject({ status: "failed", error: "Pipeline 'x' is archived" })
      expect(sim.deals().map((d) => d["externalDealId"])).toEqual(["d-1", "d-3"])
    }).pipe(Effect.provide(RecotapSimulator.layerCrm())))
})
