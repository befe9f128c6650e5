/**
 * The key only goes to the configured origin, and the server cannot make the client do much:
 * redirects (same origin only, https never downgraded, a bounded number), the response size cap,
 * the base URL rules, and the truncation of server text.
 */
import { describe, expect, it } from "@effect/vitest"
import * as ConfigError from "effect/ConfigError"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { RecotapConfig, type RecotapConfigOptions, RecotapCrm } from "../src/index.js"
import {
  DEFAULT_SIMULATOR_KEY,
  Fault,
  RecotapSimulator,
  serve,
  Simulator,
  SIMULATOR_ORIGIN,
  SimulatorServer
} from "../src/simulator/index.js"
import { crmWith, errorEnvelope, json, singleAttempt } from "./helpers.js"

const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const ELSEWHERE = "https://elsewhere.example"

/** Runs `program` against the real client over a fresh in-memory simulator with one seeded account. */
const inMemory = <A, E>(
  program: (sim: Simulator) => Effect.Effect<A, E, RecotapCrm>,
  config: RecotapConfigOptions = singleAttempt
) =>
  Effect.gen(function*() {
    const sim = yield* RecotapSimulator
    sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
    return yield* program(sim)
  }).pipe(Effect.provide(RecotapSimulator.layerCrm({ config })))

const keyOf = (request: Simulator["requests"][number]) =>
  request.apiKey === undefined ? undefined : Redacted.value(request.apiKey)

describe("redirects, in memory", () => {
  it.effect("a same-origin redirect is followed, with the key, on the simulator's origin", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect())
        const page = yield* list
        expect(page.data.map((a) => a.domain)).toEqual(["acme.com"])
        expect(sim.requests).toHaveLength(2)
        expect(sim.requests.map((r) => r.origin)).toEqual([SIMULATOR_ORIGIN, SIMULATOR_ORIGIN])
        expect(sim.requests.map((r) => r.route)).toEqual(["GET /accounts", "GET /accounts"])
        expect(sim.requests.map(keyOf)).toEqual([DEFAULT_SIMULATOR_KEY, DEFAULT_SIMULATOR_KEY])
      })
    ))

  it.effect("a 308 and a 301 to the same origin are followed too", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect("same", 308), Fault.redirect("same", 301))
        expect((yield* list).data).toHaveLength(1)
        expect(sim.requests).toHaveLength(3)
      })
    ))

  it.effect("a redirect to another origin is refused: nothing is sent there", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect(ELSEWHERE))
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Redirect", status: 307 })
        expect(error.message).toContain(ELSEWHERE)
        expect(error.message).toContain("another origin")
        expect(error.message).toContain(`only sent to ${SIMULATOR_ORIGIN}`)
        expect(sim.requests).toHaveLength(1)
        expect(sim.requests.some((r) => r.origin === ELSEWHERE)).toBe(false)
      })
    ))

  it.effect("a cross-origin redirect is refused even with retries enabled: it is not retried", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect(ELSEWHERE, 302))
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Redirect", status: 302, attempts: 1 })
        expect(sim.requests).toHaveLength(1)
      }), { retry: { maxRetries: 2 } }))

  it.effect("a POST write redirected elsewhere: the batch is Unknown and its body is never re-sent elsewhere", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("POST /deals", Fault.redirect(ELSEWHERE))
        const crm = yield* RecotapCrm
        const result = yield* crm.deals.push([
          { externalDealId: "deal-1", name: "Deal 1" },
          { externalDealId: "deal-2", name: "Deal 2" }
        ])
        expect(result.outcomes.map((o) => o._tag)).toEqual(["Unknown", "Unknown"])
        const first = result.outcomes[0]
        expect(first?._tag === "Unknown" && first.error).toMatchObject({ _tag: "TransportError", reason: "Redirect" })
        expect(first?._tag === "Unknown" && first.error.message).toContain(ELSEWHERE)
        expect(sim.requests).toHaveLength(1)
        expect(sim.requests[0]).toMatchObject({ method: "POST", origin: SIMULATOR_ORIGIN, route: "POST /deals" })
        expect(sim.requests.some((r) => r.origin === ELSEWHERE)).toBe(false)
        expect(sim.deals()).toEqual([])
      }), { retry: { maxRetries: 2 } }))

  it.effect("a downgrade to plain http of the same host is refused", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect("http://simulator.recotap.invalid"))
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Redirect" })
        expect(error.message).toContain("a downgrade to http")
        expect(error.message).toContain("http://simulator.recotap.invalid")
        expect(sim.requests).toHaveLength(1)
        expect(sim.requests.every((r) => r.origin === SIMULATOR_ORIGIN)).toBe(true)
      })
    ))

  it.effect("a redirect to the same host on another port is another origin", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect(`${SIMULATOR_ORIGIN}:8443`))
        expect(yield* Effect.flip(list)).toMatchObject({ _tag: "TransportError", reason: "Redirect" })
        expect(sim.requests).toHaveLength(1)
      })
    ))

  it.effect("more than maxRedirects same-origin redirects: refused after maxRedirects + 1 requests", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.always("GET /accounts", Fault.redirect())
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Redirect", status: 307 })
        expect(error.message).toContain("more than 2 redirects")
        expect(sim.requests).toHaveLength(3)
        expect(sim.requests.every((r) => r.origin === SIMULATOR_ORIGIN)).toBe(true)
      }), { ...singleAttempt, maxRedirects: 2 }))

  it.effect("exactly maxRedirects redirects are still followed", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect(), Fault.redirect())
        expect((yield* list).data).toHaveLength(1)
        expect(sim.requests).toHaveLength(3)
      }), { ...singleAttempt, maxRedirects: 2 }))

  it.effect("maxRedirects: 0 follows none", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.redirect())
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Redirect" })
        expect(error.message).toContain("more than 0 redirects")
        expect(sim.requests).toHaveLength(1)
      }), { ...singleAttempt, maxRedirects: 0 }))
})

describe("the response size cap, in memory", () => {
  const capped: RecotapConfigOptions = { ...singleAttempt, maxResponseBytes: 10_000 }

  it.effect("a response larger than maxResponseBytes fails with Decode, naming the cap", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.oversized(50_000))
        const error = yield* Effect.flip(list)
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
        expect(error.message).toContain("larger than the 10000-byte cap")
      }), capped))

  it.effect("one byte over the cap fails; exactly the cap and just under it succeed", () =>
    inMemory((sim) =>
      Effect.gen(function*() {
        sim.faults.script("GET /accounts", Fault.oversized(10_001), Fault.oversized(10_000), Fault.oversized(9_999))
        expect(yield* Effect.flip(list)).toMatchObject({ reason: "Decode" })
        expect((yield* list).data).toHaveLength(1)
        expect((yield* list).data).toHaveLength(1)
      }), capped))

  it.effect("a declared Content-Length over the cap fails before the body is read", () => {
    const { layer } = crmWith(
      () =>
        new Response(JSON.stringify({ data: { data: [], nextCursor: null, hasNextPage: false } }), {
          status: 200,
          headers: { "content-type": "application/json", "content-length": "1000000" }
        }),
      undefined,
      capped
    )
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
      expect(error.message).toContain("larger than the 10000-byte cap")
    }).pipe(Effect.provide(layer))
  })

  it.effect("the cap counts bytes, not characters", () => {
    // 4 000 three-byte characters: 4 000 characters, 12 000+ bytes.
    const { layer } = crmWith(() => errorEnvelope(500, { message: "€".repeat(4_000) }), undefined, capped)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode" })
      expect(error.message).toContain("10000-byte cap")
    }).pipe(Effect.provide(layer))
  })
})

describe("base URL rules", () => {
  const build = (options: RecotapConfigOptions) => Effect.exit(Effect.scoped(Layer.build(RecotapConfig.layer(options))))
  const settingsOf = (options: RecotapConfigOptions) => Effect.provide(RecotapConfig, RecotapConfig.layer(options))

  it.effect("plain http to a remote host fails with a ConfigError about clear text", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(
        Effect.scoped(Layer.build(RecotapConfig.layer({ baseUrl: "http://eapi.recotap.com/api/v1/crm" })))
      )
      expect(ConfigError.isConfigError(error)).toBe(true)
      expect(error).toMatchObject({ _op: "InvalidData" })
      expect(String(error)).toContain("clear text")
      expect(String(error)).toContain("eapi.recotap.com")
    }))

  for (const remote of ["http://localhost.evil.example/x", "http://127.0.0.1.evil.example/x", "http://10.0.0.1/x"]) {
    it.effect(`${remote} is not loopback and is refused`, () =>
      Effect.gen(function*() {
        const exit = yield* build({ baseUrl: remote })
        expect(exit._tag).toBe("Failure")
        expect(String(exit)).toContain("clear text")
      }))
  }

  for (const loopback of ["http://127.0.0.1:4010/api/v1/crm", "http://localhost:4010/x", "http://[::1]:4010/x"]) {
    it.effect(`plain http on loopback is accepted: ${loopback}`, () =>
      Effect.gen(function*() {
        const settings = yield* settingsOf({ baseUrl: loopback })
        expect(settings.baseUrl).toBe(loopback)
        expect(settings.allowInsecureHttp).toBe(false)
      }))
  }

  it.effect("allowInsecureHttp: true accepts plain http to a remote host", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf({ baseUrl: "http://eapi.recotap.com/api/v1/crm", allowInsecureHttp: true })
      expect(settings.baseUrl).toBe("http://eapi.recotap.com/api/v1/crm")
    }))

  it.effect("https is accepted, its trailing slash dropped", () =>
    Effect.gen(function*() {
      const settings = yield* settingsOf({ baseUrl: "https://sandboxapi.reco-tap.com/api/v1/" })
      expect(settings.baseUrl).toBe("https://sandboxapi.reco-tap.com/api/v1")
    }))
})

describe("server text is truncated", () => {
  const huge = "x".repeat(10_000)
  const failing = (body: () => Response) => {
    const { layer } = crmWith(body)
    return Effect.flip(list).pipe(Effect.provide(layer))
  }

  it.effect("a 500 with a 10 000-character message", () =>
    Effect.gen(function*() {
      const error = yield* failing(() => errorEnvelope(500, { message: huge }))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "StatusCode", status: 500 })
      expect(error.message.length).toBeLessThan(700)
      expect(error.message).toContain("(10000 characters)")
    }))

  it.effect("a 10 000-character customMessage, a list of messages, a plain-text body, an HTML title", () =>
    Effect.gen(function*() {
      const bodies: ReadonlyArray<() => Response> = [
        () => errorEnvelope(502, { message: "Bad Gateway", customMessage: huge }),
        () => errorEnvelope(503, { message: Array.from({ length: 1_000 }, () => "too long a message") }),
        () => new Response(huge, { status: 500, headers: { "content-type": "text/plain" } }),
        () =>
          new Response(`<html><title>${huge}</title></html>`, {
            status: 502,
            headers: { "content-type": "text/html" }
          }),
        () => json({ statusCode: 200, data: huge })
      ]
      for (const body of bodies) {
        const error = yield* failing(body)
        expect(error._tag).toBe("TransportError")
        expect(error.message.length).toBeLessThan(700)
      }
    }))

  it.effect("a 400 on a write: the server's message and customMessage are truncated", () => {
    const { layer, sent } = crmWith(() => errorEnvelope(400, { message: huge, customMessage: huge }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(
        crm.accounts.update({ externalId: "crm-1" }, { customFields: { CRM_STAGE_C: "POC" } })
      )
      expect(sent).toHaveLength(1)
      expect(error).toMatchObject({ _tag: "BadRequest", origin: "server" })
      expect(error.message.length).toBeLessThan(700)
      expect(error.message).toContain("(10000 characters)")
    }).pipe(Effect.provide(layer))
  })
})

describe("validation text from the server is bounded", () => {
  it.effect("each violation's text is cut, and so is their number and the whole message", () => {
    const violations = Array.from(
      { length: 1_000 },
      (_, i) => ({ property: `p${i}`, constraints: { rule: "y".repeat(10_000) } })
    )
    const { layer } = crmWith(() => errorEnvelope(400, { message: "Bad Request", data: violations }))
    return Effect.gen(function*() {
      const crm = yield* RecotapCrm
      const error = yield* Effect.flip(crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
      expect(error._tag === "BadRequest" && error.violations.length).toBe(20)
      expect(error._tag === "BadRequest" && error.violations[0]?.constraints["rule"]?.length).toBeLessThan(600)
      expect(error.message.length).toBeLessThan(1_100)
    }).pipe(Effect.provide(layer))
  })
})

describe("over real loopback HTTP, with fetch", () => {
  const overHttp = RecotapSimulator.layerCrmServer({ config: { timeout: "1 second", retry: { maxRetries: 0 } } })

  it.live("a redirect to another loopback server is refused, and that server receives nothing", () =>
    Effect.scoped(Effect.gen(function*() {
      const simB = new Simulator()
      const serverB = yield* serve(simB)
      const simA = yield* RecotapSimulator
      const serverA = yield* SimulatorServer
      expect(serverB.origin).not.toBe(serverA.origin)
      simA.faults.script("GET /accounts", Fault.redirect(serverB.origin))
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Redirect", status: 307 })
      expect(error.message).toContain(serverB.origin)
      expect(simA.requests).toHaveLength(1)
      // Had fetch followed the redirect itself, B (which accepts the same key) would have answered.
      expect(simB.requests).toEqual([])
    })).pipe(Effect.provide(overHttp)))

  it.live("a same-origin redirect is followed", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      const server = yield* SimulatorServer
      sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
      sim.faults.script("GET /accounts", Fault.redirect())
      expect((yield* list).data.map((a) => a.domain)).toEqual(["acme.com"])
      expect(sim.requests).toHaveLength(2)
      expect(sim.requests.map((r) => r.origin)).toEqual([server.origin, server.origin])
      expect(sim.requests.map(keyOf)).toEqual([DEFAULT_SIMULATOR_KEY, DEFAULT_SIMULATOR_KEY])
    }).pipe(Effect.provide(overHttp)))

  it.live("an oversized response fails with Decode, naming the cap", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      sim.faults.script("GET /accounts", Fault.oversized(50_000), Fault.oversized(9_999))
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
      expect(error.message).toContain("larger than the 10000-byte cap")
      expect((yield* list).data).toEqual([])
    }).pipe(
      Effect.provide(RecotapSimulator.layerCrmServer({
        config: { timeout: "1 second", retry: { maxRetries: 0 }, maxResponseBytes: 10_000 }
      }))
    ))
})
