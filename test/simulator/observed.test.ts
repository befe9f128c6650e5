/**
 * The simulator's `observed` profile: the service as it was seen live ([3P] notes of the API
 * reference, §1.2, §1.4, §1.5, §2.1, §2.2), against the `reference` profile, which stays the
 * default. Every rule is checked over the HTTP surface: `Simulator.reply`, the in-memory
 * `HttpClient` of `RecotapSimulator.layer`, and the command's loopback server.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { spawn } from "node:child_process"
import { RecotapSimulator, Simulator, SIMULATOR_ORIGIN, type SimulatorOptions } from "../../src/simulator/index.js"

// ------------------------------------------------------------------------------------ driving

/** A parsed response body: checked field by field with `expect`. */
type Json = any

interface Answer {
  readonly status: number
  readonly json: Json
}

const call = (sim: Simulator, method: string, path: string, body?: unknown, key: string | null = "sim-key"): Answer => {
  const reply = sim.reply({
    method,
    url: new URL(`${SIMULATOR_ORIGIN}${sim.prefix}${path}`),
    headers: {
      ...(key === null ? {} : { "x-api-key": key }),
      ...(body === undefined ? {} : { "content-type": "application/json" })
    },
    body: body === undefined ? "" : JSON.stringify(body)
  })
  if (reply._tag !== "Respond") throw new Error(`unexpected ${reply._tag}`)
  return { status: reply.status, json: JSON.parse(reply.body) }
}

const get = (sim: Simulator, path: string, query: Readonly<Record<string, string>> = {}) =>
  call(sim, "GET", `${path}${Object.keys(query).length === 0 ? "" : `?${new URLSearchParams(query)}`}`)
const post = (sim: Simulator, path: string, body: unknown) => call(sim, "POST", path, body)
const put = (sim: Simulator, path: string, body: unknown) => call(sim, "PUT", path, body)
const patch = (sim: Simulator, path: string, body: unknown) => call(sim, "PATCH", path, body)

/** `data` of a 200 answer of `GET /accounts`. */
const listed = (answer: Answer): Json => {
  expect(answer.status).toBe(200)
  return answer.json.data
}
const domainsIn = (sim: Simulator, query: Readonly<Record<string, string>> = {}): Array<string> =>
  listed(get(sim, "/accounts", query)).data.map((a: Json) => a.domain)

const observed = (options: SimulatorOptions = {}) => new Simulator({ profile: "observed", ...options })
const reference = (options: SimulatorOptions = {}) => new Simulator(options)

const company = (n: number) => ({ externalId: `crm-${n}`, name: `Company ${n}`, domain: `company${n}.com` })
const seedCompanies = (sim: Simulator, n: number) =>
  sim.seedAccounts(Array.from({ length: n }, (_, i) => company(i + 1)))

const WHOLE_SECOND_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000Z$/

// ==================================================================================== the option

describe("the profile option", () => {
  it("is `reference` by default, without read lag; `observed` lags reads by 1000 ms unless told otherwise", () => {
    expect(reference().profile).toBe("reference")
    expect(reference().readLagMillis).toBe(0)
    expect(observed().profile).toBe("observed")
    expect(observed().readLagMillis).toBe(1000)
    expect(observed({ readLagMillis: 0 }).readLagMillis).toBe(0)
    expect(reference({ readLagMillis: 250 }).readLagMillis).toBe(250)
    expect(observed().setReadLag(40).readLagMillis).toBe(40)
  })

  it("refuses a read lag that is not 0 or more milliseconds", () => {
    for (const lag of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => observed({ readLagMillis: lag })).toThrow(RangeError)
      expect(() => reference().setReadLag(lag)).toThrow(RangeError)
    }
  })

  it.effect("passes through RecotapSimulator's layers to the simulator behind their HttpClient", () =>
    Effect.gen(function*() {
      const sim = yield* RecotapSimulator
      expect(sim.profile).toBe("observed")
      expect(sim.readLagMillis).toBe(250)
      const client = yield* HttpClient.HttpClient
      const response = yield* client.execute(HttpClientRequest.get(`${SIMULATOR_ORIGIN}${sim.prefix}/accounts`))
      expect(response.status).toBe(401)
      expect(yield* response.json).toMatchObject({ statusCode: 401, message: "Unauthorized access" })
    }).pipe(Effect.provide(RecotapSimulator.layer({ profile: "observed", readLagMillis: 250 }))))

  it.effect("layerCrm makes an observed simulator too", () =>
    Effect.map(RecotapSimulator, (sim) => {
      expect(sim.profile).toBe("observed")
      expect(sim.readLagMillis).toBe(1000)
    }).pipe(Effect.provide(RecotapSimulator.layerCrm({ profile: "observed" }))))
})

// ==================================================================================== rule 1

describe("observed rule 1: whole-second time (§1.4, §2.1 [3P])", () => {
  it("writes rtp_last_account_date without milliseconds; the reference profile keeps them", () => {
    const start = "2026-06-04T17:40:21.250Z"
    const sim = observed({ start, readLagMillis: 0 })
    expect(post(sim, "/accounts", { accounts: [company(1)] }).status).toBe(200)
    sim.setScores("company1.com", { rtp_account_score: 12 })
    const [item] = listed(get(sim, "/accounts")).data
    expect(item.rtp_last_account_date).toBe("2026-06-04T17:40:21Z")
    expect(sim.account("company1.com").updatedAt).toBe("2026-06-04T17:40:21.000Z")

    const ref = reference({ start })
    post(ref, "/accounts", { accounts: [company(1)] })
    const date = listed(get(ref, "/accounts")).data[0].rtp_last_account_date
    expect(date).toMatch(/^2026-06-04T17:40:21\.2\d\dZ$/)
    expect(date).not.toBe("2026-06-04T17:40:21.250Z")
  })

  it("answers whole-second envelope timestamps and syncTimestamp, on success and on error", () => {
    const sim = observed({ start: "2026-06-04T17:40:21.500Z" })
    const page = get(sim, "/accounts")
    expect(page.json.timestamp).toBe("2026-06-04T17:40:21.000Z")
    expect(page.json.data.syncTimestamp).toBe(page.json.timestamp)
    expect(post(sim, "/accounts", {}).json.timestamp).toMatch(WHOLE_SECOND_ISO)
    expect(call(sim, "GET", "/accounts", undefined, null).json.timestamp).toMatch(WHOLE_SECOND_ISO)

    const ref = reference({ start: "2026-06-04T17:40:21.500Z" })
    expect(listed(get(ref, "/accounts")).syncTimestamp).toBe("2026-06-04T17:40:21.501Z")
  })

  it("compares lastSync at whole-second precision: updated strictly after lastSync's second", () => {
    const sim = observed({ start: "2026-06-04T17:40:20.000Z", readLagMillis: 0 })
    seedCompanies(sim, 2)
    sim.advance("1600 millis") // 17:40:21.6xx
    sim.setScores("company2.com", { rtp_account_score: 50 })
    const since = (lastSync: string) => domainsIn(sim, { lastSync })
    expect(since("2026-06-04T17:40:20.999Z")).toEqual(["company2.com"])
    expect(since("2026-06-04T17:40:21Z")).toEqual([])
    expect(since("2026-06-04T17:40:21.000Z")).toEqual([])
    // A lastSync before the change, in the same second, loses it.
    expect(since("2026-06-04T17:40:21.500Z")).toEqual([])

    const ref = reference({ start: "2026-06-04T17:40:20.000Z" })
    seedCompanies(ref, 2)
    ref.advance("1600 millis")
    ref.setScores("company2.com", { rtp_account_score: 50 })
    expect(domainsIn(ref, { lastSync: "2026-06-04T17:40:21.500Z" })).toEqual(["company2.com"])
  })

  it("loses a write made in the same second as a page's syncTimestamp, after that page was served", () => {
    const sim = observed({ start: "2026-06-04T17:40:21.000Z" })
    sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
    seedCompanies(sim, 2)
    const checkpoint = listed(get(sim, "/accounts")).syncTimestamp
    expect(checkpoint).toBe("2026-06-04T17:40:21.000Z")

    expect(put(sim, "/accounts/crm-1", { customFields: { TIER_C: "gold" } }).status).toBe(200)
    expect(sim.now().toISOString()).toMatch(/^2026-06-04T17:40:21\./)
    expect(sim.account("crm-1").customFields).toEqual({ TIER_C: "gold" })

    sim.advance("1 hour") // long past the read lag: the write is listed, but not as a change since the checkpoint
    expect(listed(get(sim, "/accounts", { lastSync: checkpoint })).data).toEqual([])
    expect(listed(get(sim, "/accounts")).data[0].customFields).toEqual({ TIER_C: "gold" })

    // A write in a later second is returned.
    const next = listed(get(sim, "/accounts")).syncTimestamp
    sim.advance("1 second")
    expect(put(sim, "/accounts/crm-2", { customFields: { TIER_C: "silver" } }).status).toBe(200)
    sim.advance("1 second")
    expect(domainsIn(sim, { lastSync: next })).toEqual(["company2.com"])
  })

  it("the reference profile returns that same-second write", () => {
    const sim = reference({ start: "2026-06-04T17:40:21.000Z" })
    sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
    seedCompanies(sim, 2)
    const checkpoint = listed(get(sim, "/accounts")).syncTimestamp
    expect(put(sim, "/accounts/crm-1", { customFields: { TIER_C: "gold" } }).status).toBe(200)
    expect(domainsIn(sim, { lastSync: checkpoint })).toEqual(["company1.com"])
  })
})

// ==================================================================================== rule 2

describe("observed rule 2: account writes reach GET /accounts only after the read lag", () => {
  it("shows the workspace as seeded before the first request at once", () => {
    const sim = observed()
    seedCompanies(sim, 2)
    sim.setScores("company1.com", { rtp_account_score: 70 })
    const items = listed(get(sim, "/accounts")).data
    expect(items.map((a: Json) => a.domain)).toEqual(["company1.com", "company2.com"])
    expect(items[0].rtp_account_score).toBe(70)
  })

  it("lists a pushed account only once the lag has passed; writes and sim.accounts() see it at once", () => {
    const sim = observed()
    seedCompanies(sim, 1)
    expect(domainsIn(sim)).toEqual(["company1.com"])
    expect(post(sim, "/accounts", { accounts: [company(2)] }).json.data.results[0].status).toBe("created")
    const written = sim.now().getTime()
    expect(sim.accounts().map((a) => a.domain)).toEqual(["company1.com", "company2.com"])
    expect(domainsIn(sim)).toEqual(["company1.com"])
    // Push deduplication sees the account already.
    const again = post(sim, "/accounts", { accounts: [company(2)] }).json.data.results[0]
    expect(again).toMatchObject({ status: "failed", error: "Account with externalId 'crm-2' already exists" })

    sim.advance(written + 999 - sim.now().getTime() - 1) // the next request is 999 ms after the write
    expect(domainsIn(sim)).toEqual(["company1.com"])
    expect(sim.now().getTime()).toBe(written + 999)
    expect(domainsIn(sim)).toEqual(["company1.com", "company2.com"]) // 1000 ms after it
  })

  it("shows the previous version of an updated account until the lag has passed, for every kind of write", () => {
    const sim = observed({ revision: "crm" })
    sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
    seedCompanies(sim, 3)
    get(sim, "/accounts") // serving from now on

    expect(put(sim, "/accounts/crm-1", { customFields: { TIER_C: "gold" } }).status).toBe(200)
    expect(patch(sim, "/accounts/external-ids", { mappings: [{ domain: "company2.com", externalId: "new-2" }] }).status)
      .toBe(200)
    sim.setScores("company3.com", { rtp_account_score: 88, rtp_journey_stage: "Aware" })

    const before = listed(get(sim, "/accounts")).data
    expect(before.map((a: Json) => [a.customFields, a.externalId, a.rtp_account_score])).toEqual([
      [{}, "crm-1", 0],
      [{}, "crm-2", 0],
      [{}, "crm-3", 0]
    ])
    // The truth, and what writes look up, are the latest state.
    expect(sim.account("company1.com").customFields).toEqual({ TIER_C: "gold" })
    expect(sim.account("company2.com").externalId).toBe("new-2")
    expect(sim.account("company3.com").rtp_account_score).toBe(88)
    expect(put(sim, "/accounts/new-2", { customFields: { TIER_C: "silver" } }).status).toBe(200)
    expect(put(sim, "/accounts/crm-2", { customFields: { TIER_C: "x" } }).status).toBe(404)

    sim.advance("1 second")
    const after = listed(get(sim, "/accounts")).data
    expect(after.map((a: Json) => [a.customFields, a.externalId, a.rtp_account_score])).toEqual([
      [{ TIER_C: "gold" }, "crm-1", 0],
      [{ TIER_C: "silver" }, "new-2", 0],
      [{}, "crm-3", 88]
    ])
  })

  it("applies the lag to upserts and to seeding after the first request", () => {
    const sim = observed({ revision: "external" })
    seedCompanies(sim, 1)
    get(sim, "/accounts")
    const upserted = post(sim, "/accounts", { upsert: true, accounts: [{ ...company(1), name: "Renamed" }] })
    expect(upserted.json.data.results[0].status).toBe("updated")
    sim.seedAccounts([company(2)])
    expect(listed(get(sim, "/accounts")).data.map((a: Json) => a.name)).toEqual(["Company 1"])
    sim.advance("1 second")
    expect(listed(get(sim, "/accounts")).data.map((a: Json) => a.name)).toEqual(["Renamed", "Company 2"])
  })

  it("filters by lastSync on the version shown: a change is listed as such once the lag has passed", () => {
    const sim = observed({ start: "2026-06-04T17:40:21.000Z" })
    seedCompanies(sim, 2)
    const checkpoint = listed(get(sim, "/accounts")).syncTimestamp
    sim.advance("1 second")
    sim.setScores("company2.com", { rtp_account_score: 5 })
    expect(domainsIn(sim, { lastSync: checkpoint })).toEqual([])
    sim.advance("1 second")
    expect(domainsIn(sim, { lastSync: checkpoint })).toEqual(["company2.com"])
  })

  it("pages and filters domains over what is shown", () => {
    const sim = observed({ revision: "external" })
    sim.seedAccounts([{ name: "Seeded", domain: "seeded.com" }])
    get(sim, "/accounts")
    post(sim, "/accounts", { accounts: [1, 2, 3].map((n) => ({ name: `N${n}`, domain: `new${n}.com` })) })
    const pages = (limit: string) => {
      const first = listed(get(sim, "/accounts", { limit }))
      return first.hasNextPage
        ? [first, listed(get(sim, "/accounts", { limit, cursor: first.nextCursor }))]
        : [first]
    }
    expect(pages("1").map((p) => [p.data.length, p.hasNextPage])).toEqual([[1, false]])
    expect(domainsIn(sim, { domains: JSON.stringify(["new1.com", "seeded.com"]) })).toEqual(["seeded.com"])
    sim.advance("1 second")
    expect(pages("2").map((p) => p.data.length)).toEqual([2, 2])
    expect(domainsIn(sim, { domains: JSON.stringify(["new1.com", "seeded.com"]) })).toEqual(["seeded.com", "new1.com"])
  })

  it("shows each version in turn, each a lag after it was written", () => {
    const sim = observed()
    sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
    seedCompanies(sim, 1)
    const tier = () => listed(get(sim, "/accounts")).data[0].customFields.TIER_C
    get(sim, "/accounts")
    put(sim, "/accounts/crm-1", { customFields: { TIER_C: "v1" } })
    sim.advance("500 millis")
    put(sim, "/accounts/crm-1", { customFields: { TIER_C: "v2" } })
    sim.advance("400 millis")
    expect(tier()).toBeUndefined()
    sim.advance("200 millis")
    expect(tier()).toBe("v1")
    sim.advance("500 millis")
    expect(tier()).toBe("v2")
    put(sim, "/accounts/crm-1", { customFields: { TIER_C: "v3" } })
    expect(tier()).toBe("v2")
  })

  it("changes the lag at run time, in either profile; a write keeps the lag it was made with", () => {
    const sim = observed()
    seedCompanies(sim, 1)
    get(sim, "/accounts")
    post(sim, "/accounts", { accounts: [company(2)] })
    sim.setReadLag(0)
    post(sim, "/accounts", { accounts: [company(3)] })
    expect(domainsIn(sim)).toEqual(["company1.com", "company3.com"])
    sim.advance("1 second")
    expect(domainsIn(sim)).toEqual(["company1.com", "company2.com", "company3.com"])

    const ref = reference()
    get(ref, "/accounts")
    ref.setReadLag(300)
    post(ref, "/accounts", { accounts: [company(1)] })
    expect(domainsIn(ref)).toEqual([])
    ref.advance("300 millis")
    expect(domainsIn(ref)).toEqual(["company1.com"])
  })

  it("follows the system clock", async () => {
    const sim = observed({ clock: "system", readLagMillis: 150 })
    get(sim, "/accounts")
    post(sim, "/accounts", { accounts: [company(1)] })
    expect(domainsIn(sim)).toEqual([])
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(domainsIn(sim)).toEqual(["company1.com"])
  })
})

// ==================================================================================== rules 3 to 7

describe("observed rule 3: 401 'Unauthorized access' (§1.2 [3P])", () => {
  it("answers it for a missing and for an invalid key, flat", () => {
    const sim = observed()
    for (const key of [null, "not-a-key"]) {
      const answer = call(sim, "GET", "/segments", undefined, key)
      expect(answer.status).toBe(401)
      expect(answer.json).toEqual({
        statusCode: 401,
        timestamp: expect.stringMatching(WHOLE_SECOND_ISO),
        path: "/api/v1/crm/segments",
        message: "Unauthorized access"
      })
    }
  })

  it("keeps the documented wording when asked", () => {
    const answer = call(observed({ unauthorized: "documented" }), "GET", "/accounts", undefined, null)
    expect(answer.json).toMatchObject({ statusCode: 401, customMessage: "X-Api-Key header is required" })
    expect(answer.json).not.toHaveProperty("data")
  })
})

describe("observed rule 4: error bodies are flat, without `data` (§1.5 [3P])", () => {
  it("lists the validation messages in `message`", () => {
    const sim = observed()
    const answer = post(sim, "/accounts", { accounts: [{ externalId: "crm-1" }] })
    expect(answer.status).toBe(400)
    expect(Object.keys(answer.json).sort()).toEqual(["message", "path", "statusCode", "timestamp"])
    expect(answer.json.message).toEqual(["domain should not be empty", "name should not be empty"])
    expect(Object.keys(post(reference(), "/accounts", {}).json).sort()).toEqual([
      "data",
      "message",
      "path",
      "statusCode",
      "timestamp"
    ])
  })

  it("drops `data` from business errors, the record-not-found of PUT /accounts/:id included", () => {
    const sim = observed()
    sim.seedSegments([{ segmentId: "old", name: "Old", status: "archived" }])
    sim.seedCustomFields([{ label: "Tier", labelType: "number" }])
    const businessErrors: ReadonlyArray<readonly [Answer, string, string]> = [
      [
        post(sim, "/accounts", { segmentId: "old", accounts: [company(1)] }),
        "Bad Request",
        "Segment 'old' is not active or draft and cannot accept new members"
      ],
      [put(sim, "/accounts/nope", { customFields: {} }), "Not Found", "Account with externalId 'nope' not found"],
      [
        post(sim, "/accounts/custom-field", { label: "Tier", labelType: "number" }),
        "Conflict",
        "Custom field with key 'TIER_C' already exists"
      ]
    ]
    for (const [answer, message, customMessage] of businessErrors) {
      expect(answer.json).toEqual({
        statusCode: answer.status,
        timestamp: expect.stringMatching(WHOLE_SECOND_ISO),
        path: expect.stringMatching(/^\/api\/v1\/crm\/accounts/),
        message,
        customMessage
      })
    }
    expect(businessErrors.map(([answer]) => answer.status)).toEqual([400, 404, 409])
    expect(put(reference(), "/accounts/nope", { customFields: {} }).json).toMatchObject({
      customMessage: "Account with externalId 'nope' not found",
      data: null
    })
  })
})

describe("observed rule 5: the service's envelope for an unknown route", () => {
  it("answers 404 with the reason in `message` and the framework's text in `customMessage`", () => {
    const answer = call(observed(), "DELETE", "/accounts/x")
    expect(answer.status).toBe(404)
    expect(answer.json).toEqual({
      statusCode: 404,
      timestamp: expect.stringMatching(WHOLE_SECOND_ISO),
      path: "/api/v1/crm/accounts/x",
      message: "Not Found",
      customMessage: "Cannot DELETE /api/v1/crm/accounts/x"
    })
    expect(call(observed({ revision: "external" }), "GET", "/accounts/unmapped").json.customMessage)
      .toBe("Cannot GET /api/v1/accounts/unmapped")
  })

  it("the reference profile keeps the framework's own body", () => {
    const answer = call(reference(), "DELETE", "/accounts/x")
    expect(answer.status).toBe(404)
    expect(answer.json).toEqual({
      statusCode: 404,
      timestamp: "2026-01-01T00:00:00.001Z",
      path: "/api/v1/crm/accounts/x",
      message: "Cannot DELETE /api/v1/crm/accounts/x",
      error: "Not Found"
    })
  })
})

describe("observed rule 6: the push summary has no `updated` (§2.2 [3P])", () => {
  it("answers { total, created, failed }, even when an item was updated", () => {
    const sim = observed({ revision: "external" })
    sim.seedAccounts([{ name: "Acme", domain: "acme.com" }])
    const answer = post(sim, "/accounts", {
      upsert: true,
      accounts: [{ name: "Acme 2", domain: "acme.com" }, { name: "New", domain: "new.com" }]
    })
    expect(answer.json.data.results.map((r: Json) => r.status)).toEqual(["updated", "created"])
    expect(answer.json.data.summary).toEqual({ total: 2, created: 1, failed: 0 })

    const ref = reference({ revision: "external" })
    ref.seedAccounts([{ name: "Acme", domain: "acme.com" }])
    expect(
      post(ref, "/accounts", { upsert: true, accounts: [{ name: "Acme 2", domain: "acme.com" }] }).json.data.summary
    )
      .toEqual({ total: 1, created: 0, updated: 1, failed: 0 })
  })
})

describe("observed rule 7: the CRM revision refuses what its docs do not document", () => {
  for (const upsert of [true, false]) {
    it(`refuses upsert: ${upsert} in POST /accounts as a non-whitelisted property, creating nothing`, () => {
      const sim = observed()
      const answer = post(sim, "/accounts", { upsert, accounts: [company(1)] })
      expect(answer.status).toBe(400)
      expect(answer.json.message).toEqual(["property upsert should not exist"])
      expect(sim.accounts()).toEqual([])
    })
  }

  it("refuses the domains filter of GET /accounts", () => {
    const answer = get(observed(), "/accounts", { domains: JSON.stringify(["acme.com"]) })
    expect(answer.status).toBe(400)
    expect(answer.json.message).toEqual(["property domains should not exist"])
  })

  it("the External revision, and the reference profile, accept both", () => {
    const ext = observed({ revision: "external", readLagMillis: 0 })
    expect(post(ext, "/accounts", { upsert: true, accounts: [{ name: "Acme", domain: "acme.com" }] }).status).toBe(200)
    expect(domainsIn(ext, { domains: JSON.stringify(["acme.com"]) })).toEqual(["acme.com"])
    const ref = reference()
    expect(post(ref, "/accounts", { upsert: true, accounts: [company(1)] }).status).toBe(200)
    expect(domainsIn(ref, { domains: JSON.stringify(["company1.com"]) })).toEqual(["company1.com"])
  })
})

// ==================================================================================== the command

describe("effect-recotap-simulator --profile observed --read-lag-ms N", () => {
  it("serves the observed profile with that read lag", async () => {
    const child = spawn(process.execPath, [
      "--import",
      "tsx",
      "src/simulator/cli.ts",
      "--port",
      "0",
      "--profile",
      "observed",
      "--read-lag-ms",
      "300"
    ], { stdio: ["ignore", "pipe", "pipe"] })
    try {
      let output = ""
      const baseUrl = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString()
          const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/api\/v1\/crm)[\s\S]*Profile:.*\n/.exec(output)
          if (match) resolve(match[1]!)
        })
        child.once("exit", (code) => reject(new Error(`exited with ${code}: ${output}`)))
      })
      expect(output).toContain("Profile: observed (account writes show in GET /accounts after 300 ms)")
      const headers = { "x-api-key": "sim-key", "content-type": "application/json" }
      const unknown = await fetch(`${baseUrl}/nope`, { headers })
      expect(await unknown.json()).toMatchObject({ message: "Not Found", customMessage: "Cannot GET /api/v1/crm/nope" })
      const pushed = await fetch(`${baseUrl}/accounts`, {
        method: "POST",
        headers,
        body: JSON.stringify({ accounts: [company(1)] })
      })
      expect((await pushed.json() as Json).data.summary).toEqual({ total: 1, created: 1, failed: 0 })
      const domains = async () =>
        ((await (await fetch(`${baseUrl}/accounts`, { headers })).json()) as Json).data.data.map((a: Json) => a.domain)
      expect(await domains()).toEqual([])
      await new Promise((resolve) => setTimeout(resolve, 400))
      expect(await domains()).toEqual(["company1.com"])
    } finally {
      child.kill("SIGTERM")
    }
  })

  const refusals: ReadonlyArray<readonly [string, string]> = [
    ["--profile=kind", "--profile must be reference or observed, not kind"],
    ["--read-lag-ms=-5", "--read-lag-ms must be a whole number of milliseconds, not -5"]
  ]
  for (const [arg, message] of refusals) {
    it(`refuses ${arg}`, async () => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/simulator/cli.ts", "--port", "0", arg], {
        stdio: ["ignore", "pipe", "pipe"]
      })
      let errors = ""
      child.stderr.on("data", (chunk: Buffer) => (errors += chunk.toString()))
      const code = await new Promise<number | null>((resolve) => child.once("exit", resolve))
      expect(code).toBe(1)
      expect(errors).toContain(message)
    })
  }
})
