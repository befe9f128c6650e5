/**
 * Conformance of the in-memory simulator with the API reference (/work/shared/recotap-api.md).
 *
 * Every test drives `Simulator.reply` directly (synchronous, no transport) and checks the
 * documented envelopes, status codes, messages and semantics of the thirteen endpoints of §2.
 * Section numbers in test names point into the reference.
 */
import { describe, expect, it } from "@effect/vitest"
// The package class-validator calls for `@IsEmail()` / `@IsISO8601()`: the edge tables below are
// checked against it, so a wrong verdict in a table is caught rather than copied into the simulator.
import isEmailModule from "validator/lib/isEmail.js"
import isISO8601Module from "validator/lib/isISO8601.js"
import { Simulator, type SimulatorOptions } from "../../src/simulator/index.js"

// ------------------------------------------------------------------------------------ driving

/** A parsed response body: checked field by field with `expect`. */
type Json = any

interface CallOptions {
  readonly body?: unknown
  /** The `X-Api-Key` value; `null` sends no header. Default: the simulator's key. */
  readonly key?: string | null
  readonly query?: Readonly<Record<string, string>>
  readonly contentType?: string
}

interface Answer {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly json: Json
}

const call = (sim: Simulator, method: string, path: string, options: CallOptions = {}): Answer => {
  const url = new URL(`https://simulator.recotap.invalid${sim.prefix}${path}`)
  for (const [k, v] of Object.entries(options.query ?? {})) url.searchParams.set(k, v)
  const headers: Record<string, string> = {}
  if (options.key !== null) headers["x-api-key"] = options.key ?? "sim-key"
  if (options.body !== undefined) headers["content-type"] = options.contentType ?? "application/json"
  const reply = sim.reply({
    method,
    url,
    headers,
    body: options.body === undefined ? "" : JSON.stringify(options.body)
  })
  if (reply._tag !== "Respond") throw new Error(`unexpected ${reply._tag}`)
  return { status: reply.status, headers: reply.headers, json: JSON.parse(reply.body) }
}

const get = (sim: Simulator, path: string, query: Readonly<Record<string, string>> = {}) =>
  call(sim, "GET", path, { query })
const post = (sim: Simulator, path: string, body: unknown) => call(sim, "POST", path, { body })
const put = (sim: Simulator, path: string, body: unknown) => call(sim, "PUT", path, { body })
const patch = (sim: Simulator, path: string, body: unknown) => call(sim, "PATCH", path, { body })

const crm = (options: SimulatorOptions = {}) => new Simulator(options)
const external = (options: SimulatorOptions = {}) => new Simulator({ ...options, revision: "external" })

// ------------------------------------------------------------------------------------ envelopes

const isIsoTimestamp = (value: unknown) =>
  typeof value === "string" && !Number.isNaN(Date.parse(value)) && new Date(value).toISOString() === value

/** §1.4: `{statusCode, timestamp, path, data}`, the path without its query. Returns `data`. */
const expectEnvelope = (sim: Simulator, answer: Answer, path: string, status = 200): Json => {
  expect(answer.status).toBe(status)
  expect(Object.keys(answer.json).sort()).toEqual(["data", "path", "statusCode", "timestamp"])
  expect(answer.json.statusCode).toBe(status)
  expect(isIsoTimestamp(answer.json.timestamp)).toBe(true)
  expect(answer.json.path).toBe(`${sim.prefix}${path}`)
  return answer.json.data
}

/** §1.5: a validation error names `field` with `message` among its constraints, and has no `customMessage`. */
const expectViolation = (answer: Answer, field: string, message?: string) => {
  expect(answer.status).toBe(400)
  expect(answer.json.statusCode).toBe(400)
  expect(answer.json.message).toBe("Bad Request")
  expect(isIsoTimestamp(answer.json.timestamp)).toBe(true)
  expect(answer.json).not.toHaveProperty("customMessage")
  expect(Array.isArray(answer.json.data)).toBe(true)
  for (const violation of answer.json.data) {
    expect(typeof violation.property).toBe("string")
    expect(typeof violation.constraints).toBe("object")
  }
  // Nested properties may be reported as a path (`accounts.0.domain`); the last segment is the field.
  const named = (answer.json.data as Array<Json>).filter((v) =>
    v.property === field || v.property.endsWith(`.${field}`)
  )
  expect(named.length, `a violation on ${field} in ${JSON.stringify(answer.json.data)}`).toBeGreaterThan(0)
  if (message !== undefined) {
    expect(named.flatMap((v) => Object.values(v.constraints))).toContain(message)
  }
}

const REASON: Readonly<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict"
}

/** §1.5: a business error: reason phrase in `message`, `customMessage` set, `data: null`. */
const expectBusinessError = (sim: Simulator, answer: Answer, status: number, path: string, customMessage?: string) => {
  expect(answer.status).toBe(status)
  expect(answer.json.statusCode).toBe(status)
  expect(answer.json.message).toBe(REASON[status])
  expect(answer.json.path).toBe(`${sim.prefix}${path}`)
  expect(isIsoTimestamp(answer.json.timestamp)).toBe(true)
  expect(answer.json.data).toBeNull()
  expect(typeof answer.json.customMessage).toBe("string")
  expect(answer.json.customMessage.length).toBeGreaterThan(0)
  if (customMessage !== undefined) expect(answer.json.customMessage).toBe(customMessage)
}

/** §1.6: an opaque cursor, set (also on the last page). */
const expectCursor = (cursor: unknown) => {
  expect(typeof cursor).toBe("string")
  expect((cursor as string).length).toBeGreaterThan(0)
}

/** Follows `nextCursor` while `hasNextPage` (§1.6); returns every page's `data`. */
const allPages = (sim: Simulator, path: string, query: Readonly<Record<string, string>> = {}): Array<Json> => {
  const pages: Array<Json> = []
  let cursor: string | undefined
  for (let guard = 0; guard < 1000; guard++) {
    const page = expectEnvelope(sim, get(sim, path, cursor === undefined ? query : { ...query, cursor }), path)
    pages.push(page)
    if (page.hasNextPage === false) return pages
    expectCursor(page.nextCursor)
    cursor = page.nextCursor
  }
  throw new Error("pagination never ended")
}

// ------------------------------------------------------------------------------------ builders

const range = <A>(n: number, f: (i: number) => A): Array<A> => Array.from({ length: n }, (_, i) => f(i + 1))
const without = (value: Readonly<Record<string, unknown>>, key: string) =>
  Object.fromEntries(Object.entries(value).filter(([k]) => k !== key))

const account = (n: number, more: Readonly<Record<string, unknown>> = {}) => ({
  externalId: `crm-${String(n).padStart(3, "0")}`,
  name: `Company ${n}`,
  domain: `company${n}.com`,
  ...more
})
const seedCompanies = (sim: Simulator, n: number, externalIds = true) =>
  sim.seedAccounts(range(n, (i) => ({ ...account(i), externalId: externalIds ? account(i).externalId : null })))

const deal = (id: string, more: Readonly<Record<string, unknown>> = {}) => ({
  externalDealId: id,
  name: `Deal ${id}`,
  ...more
})

const activity = (id: string, more: Readonly<Record<string, unknown>> = {}) => ({
  externalActivityId: id,
  activityType: "call",
  occurredAt: "2026-04-22T10:30:00Z",
  domain: "acme.com",
  ownerEmail: "rep@seller.com",
  contacts: [{ email: "buyer@acme.com", name: "Buyer" }],
  ...more
})

const pipeline = (id: string) => ({
  pipelineId: id,
  pipelineLabel: `Pipeline ${id}`,
  stages: [{ stageId: "qualified", stageLabel: "Qualified" }, { stageId: "won", stageLabel: "Closed Won" }]
})

const domainsOf = (items: ReadonlyArray<{ readonly domain: string }>) => items.map((a) => a.domain)

// ==================================================================================== general rules

const ENDPOINTS: ReadonlyArray<readonly [method: string, path: string, body?: unknown]> = [
  ["GET", "/accounts"],
  ["POST", "/accounts", { accounts: [account(1)] }],
  ["PUT", "/accounts/crm-001", { customFields: {} }],
  ["PATCH", "/accounts/external-ids", { mappings: [{ domain: "company1.com", externalId: "x" }] }],
  ["GET", "/accounts/missing-external-ids"],
  ["GET", "/accounts/custom-fields"],
  ["POST", "/accounts/custom-field", { label: "Contract Value", labelType: "number" }],
  ["POST", "/deals", { deals: [deal("d-1")] }],
  ["POST", "/deal-stages", { pipelines: [pipeline("smb-pipeline")] }],
  ["GET", "/deal-stages"],
  ["POST", "/sales-activities", { activities: [activity("a-1")] }],
  ["GET", "/segments"],
  ["GET", "/journey-stages"]
]

describe("§1.2 authentication", () => {
  for (const [method, path, body] of ENDPOINTS) {
    it(`${method} ${path}: 401 without a key and with an unknown key`, () => {
      const sim = crm()
      sim.seedAccounts([account(1)])
      const before = JSON.stringify([
        sim.accounts(),
        sim.deals(),
        sim.pipelines(),
        sim.activities(),
        sim.customFields()
      ])
      expectBusinessError(sim, call(sim, method, path, { body, key: null }), 401, path, "X-Api-Key header is required")
      expectBusinessError(sim, call(sim, method, path, { body, key: "not-a-key" }), 401, path, "Invalid API key")
      // Nothing was processed.
      expect(JSON.stringify([sim.accounts(), sim.deals(), sim.pipelines(), sim.activities(), sim.customFields()]))
        .toBe(before)
    })
  }

  it("accepts the configured keys and rejects a revoked one (regenerating invalidates the old key)", () => {
    const sim = crm({ keys: ["key-a", "key-b"] })
    expect(call(sim, "GET", "/accounts", { key: "key-a" }).status).toBe(200)
    expect(call(sim, "GET", "/accounts", { key: "key-b" }).status).toBe(200)
    sim.revokeKey("key-a")
    expectBusinessError(sim, call(sim, "GET", "/accounts", { key: "key-a" }), 401, "/accounts", "Invalid API key")
  })

  it("answers 'Unauthorized access' in the live wording, for a missing and for an unknown key", () => {
    const sim = crm({ unauthorized: "live" })
    for (const key of [null, "not-a-key"]) {
      const answer = call(sim, "GET", "/segments", { key })
      expect(answer.status).toBe(401)
      expect(answer.json.statusCode).toBe(401)
      expect(answer.json.message).toBe("Unauthorized access")
      expect(answer.json.path).toBe("/api/v1/crm/segments")
      expect(isIsoTimestamp(answer.json.timestamp)).toBe(true)
    }
  })

  it("applies to the External revision too", () => {
    const sim = external()
    expectBusinessError(
      sim,
      call(sim, "GET", "/accounts", { key: null }),
      401,
      "/accounts",
      "X-Api-Key header is required"
    )
  })
})

describe("§1.1 routes", () => {
  it("answers 404 'Cannot GET …' for an unknown route", () => {
    const sim = crm()
    const answer = get(sim, "/nope")
    expect(answer.status).toBe(404)
    expect(answer.json.statusCode).toBe(404)
    expect(answer.json.message).toBe("Cannot GET /api/v1/crm/nope")
  })

  it("names the method and the revision's prefix", () => {
    expect(call(crm(), "DELETE", "/accounts/crm-001").json.message).toBe("Cannot DELETE /api/v1/crm/accounts/crm-001")
    expect(get(external(), "/accounts/unmapped").json.message).toBe("Cannot GET /api/v1/accounts/unmapped")
  })

  it("serves each revision under its own prefix only", () => {
    const sim = crm()
    const reply = sim.reply({
      method: "GET",
      url: new URL("https://simulator.recotap.invalid/api/v1/accounts"),
      headers: { "x-api-key": "sim-key" },
      body: ""
    })
    expect(reply._tag === "Respond" && reply.status).toBe(404)
    expect(sim.prefix).toBe("/api/v1/crm")
    expect(external().prefix).toBe("/api/v1")
  })
})

describe("§1.3/§1.4 request format and envelope", () => {
  it("answers JSON with the envelope; `path` has no query string", () => {
    const sim = crm()
    const answer = get(sim, "/accounts", { limit: "1" })
    expect(answer.headers["content-type"]).toMatch(/^application\/json/)
    expectEnvelope(sim, answer, "/accounts")
  })

  it("treats a body sent without a JSON content type as empty", () => {
    const sim = crm()
    const answer = call(sim, "POST", "/accounts", { body: { accounts: [account(1)] }, contentType: "text/plain" })
    expectViolation(answer, "accounts", "accounts must be an array")
    expect(sim.accounts()).toEqual([])
  })

  it("accepts a JSON content type with a charset", () => {
    const sim = crm()
    const answer = call(sim, "POST", "/accounts", {
      body: { accounts: [account(1)] },
      contentType: "application/json; charset=utf-8"
    })
    expect(answer.status).toBe(200)
    expect(sim.accounts()).toHaveLength(1)
  })
})

// ==================================================================================== 2.1 GET /accounts

describe("§2.1 GET /accounts", () => {
  it("returns the paginated wrapper with syncTimestamp and every documented account field", () => {
    const sim = crm()
    sim.seedCustomFields([{ label: "Crm Stage", labelType: "singleLineText" }])
    const seeded = sim.seedAccounts([{ ...account(1), customFields: { CRM_STAGE_C: "POC" } }])[0]!
    const data = expectEnvelope(sim, get(sim, "/accounts"), "/accounts")
    expect(Object.keys(data).sort()).toEqual(["data", "hasNextPage", "nextCursor", "syncTimestamp"])
    expect(isIsoTimestamp(data.syncTimestamp)).toBe(true)
    expect(data.hasNextPage).toBe(false)
    expect(data.data).toHaveLength(1)
    const [item] = data.data
    expect(item).toMatchObject({
      externalId: "crm-001",
      name: "Company 1",
      domain: "company1.com",
      rtp_aid: seeded.rtp_aid,
      rtp_account_score: 0,
      rtp_advertising_activity_score: 0,
      rtp_website_intent_score: 0,
      rtp_g2_intent_score: 0,
      rtp_bombora_intent_score: 0,
      customFields: { CRM_STAGE_C: "POC" }
    })
    expect(item.rtp_aid).toMatch(/^[0-9a-f]{24}$/)
    expect(typeof item.rtp_journey_stage).toBe("string")
    expect(isIsoTimestamp(item.rtp_last_account_date)).toBe(true)
  })

  it("returns an empty first page with nextCursor null", () => {
    const sim = crm()
    const data = expectEnvelope(sim, get(sim, "/accounts"), "/accounts")
    expect(data).toMatchObject({ data: [], nextCursor: null, hasNextPage: false })
  })

  it("pages by limit/cursor: every account exactly once, nextCursor left set on the last page", () => {
    const sim = crm()
    const seeded = seedCompanies(sim, 5)
    const pages = allPages(sim, "/accounts", { limit: "2" })
    expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1])
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false])
    expectCursor(pages.at(-1).nextCursor)
    expect(pages.flatMap((p) => p.data.map((a: Json) => a.rtp_aid)).sort()).toEqual(seeded.map((a) => a.rtp_aid).sort())
  })

  it("ends on a full last page when the total is a multiple of limit", () => {
    const sim = crm()
    seedCompanies(sim, 4)
    const pages = allPages(sim, "/accounts", { limit: "2" })
    expect(pages.map((p) => p.data.length)).toEqual([2, 2])
    expect(pages.at(-1).hasNextPage).toBe(false)
  })

  it("defaults to 100 per page", () => {
    const sim = crm()
    seedCompanies(sim, 101)
    const first = expectEnvelope(sim, get(sim, "/accounts"), "/accounts")
    expect(first.data).toHaveLength(100)
    expect(first.hasNextPage).toBe(true)
    const second = expectEnvelope(sim, get(sim, "/accounts", { cursor: first.nextCursor }), "/accounts")
    expect(domainsOf(second.data)).toEqual(["company101.com"])
    expect(second.hasNextPage).toBe(false)
  })

  it("has no documented maximum limit", () => {
    const sim = crm()
    seedCompanies(sim, 150)
    expect(expectEnvelope(sim, get(sim, "/accounts", { limit: "500" }), "/accounts").data).toHaveLength(150)
  })

  for (const limit of ["0", "-1", "abc", "2.5", ""]) {
    it(`rejects limit=${JSON.stringify(limit)} with 400`, () => {
      expectViolation(get(crm(), "/accounts", { limit }), "limit")
    })
  }

  describe("delta sync (§1.7)", () => {
    it("returns only accounts updated strictly after lastSync", () => {
      const sim = crm()
      seedCompanies(sim, 3)
      sim.advance("1 hour")
      const changed = sim.setScores("company2.com", { rtp_account_score: 80, rtp_journey_stage: "Consideration" })
      const since = (lastSync: string) =>
        domainsOf(expectEnvelope(sim, get(sim, "/accounts", { lastSync }), "/accounts").data)

      expect(since("2026-01-01T00:30:00.000Z")).toEqual(["company2.com"])
      expect(since("2026-01-01T01:30:00+01:00")).toEqual(["company2.com"])
      expect(since(changed.updatedAt)).toEqual([])
      expect(since(new Date(Date.parse(changed.updatedAt) - 1).toISOString())).toEqual(["company2.com"])
      expect(since("2025-12-31T00:00:00Z")).toEqual(["company1.com", "company2.com", "company3.com"])
      // Every form the ISO 8601 check accepts filters by its instant, not only those Date.parse reads.
      expect(since("2026-01-01T01:30:00+01")).toEqual(["company2.com"])
      expect(since("2026-01-01T00:30:00z")).toEqual(["company2.com"])
      expect(since("2026-01")).toEqual(["company1.com", "company2.com", "company3.com"])
      const [item] = expectEnvelope(sim, get(sim, "/accounts", { lastSync: "2026-01-01T00:30:00Z" }), "/accounts").data
      expect(item).toMatchObject({ rtp_account_score: 80, rtp_journey_stage: "Consideration" })
      expect(Date.parse(item.rtp_last_account_date)).toBeGreaterThan(Date.parse("2026-01-01T00:30:00Z"))
    })

    it("syncTimestamp as the next lastSync: nothing until a change, then exactly the changed account", () => {
      const sim = crm()
      sim.seedCustomFields([{ label: "Tier", labelType: "singleLineText" }])
      seedCompanies(sim, 3)
      const sync = (lastSync?: string) => {
        const data = expectEnvelope(sim, get(sim, "/accounts", lastSync === undefined ? {} : { lastSync }), "/accounts")
        return { domains: domainsOf(data.data), next: data.syncTimestamp as string }
      }
      const full = sync()
      expect(full.domains).toHaveLength(3)

      const quiet = sync(full.next)
      expect(quiet.domains).toEqual([])
      sim.advance("1 hour")
      const stillQuiet = sync(quiet.next)
      expect(stillQuiet.domains).toEqual([])

      sim.setScores("company3.com", { rtp_account_score: 42 })
      const scored = sync(stillQuiet.next)
      expect(scored.domains).toEqual(["company3.com"])
      expect(sync(scored.next).domains).toEqual([])

      expect(put(sim, "/accounts/crm-001", { customFields: { TIER_C: "gold" } }).status).toBe(200)
      const updated = sync(scored.next)
      expect(updated.domains).toEqual(["company1.com"])
      expect(sync(updated.next).domains).toEqual([])
    })

    it("combines lastSync with pagination", () => {
      const sim = crm()
      seedCompanies(sim, 6)
      const checkpoint = sim.now().toISOString()
      for (const domain of ["company1.com", "company3.com", "company5.com"]) {
        sim.setScores(domain, { rtp_account_score: 1 })
      }
      const pages = allPages(sim, "/accounts", { lastSync: checkpoint, limit: "2" })
      expect(pages.flatMap((p) => domainsOf(p.data))).toEqual(["company1.com", "company3.com", "company5.com"])
    })

    for (const lastSync of ["yesterday", "2026-13-45T00:00:00Z", "not-a-date", ""]) {
      it(`rejects lastSync=${JSON.stringify(lastSync)} with 400`, () => {
        expectViolation(get(crm(), "/accounts", { lastSync }), "lastSync")
      })
    }
  })

  describe("domains filter [EXT]", () => {
    it("matches normalised domains", () => {
      const sim = crm()
      seedCompanies(sim, 4)
      const filter = (domains: ReadonlyArray<string>) =>
        domainsOf(expectEnvelope(sim, get(sim, "/accounts", { domains: JSON.stringify(domains) }), "/accounts").data)
      expect(filter(["https://www.Company1.com/path", "www.company3.com"])).toEqual(["company1.com", "company3.com"])
      expect(filter(["COMPANY4.COM"])).toEqual(["company4.com"])
      expect(filter(["unknown.com"])).toEqual([])
    })

    it("accepts 100 domains and rejects 101", () => {
      const sim = crm()
      seedCompanies(sim, 1)
      const domains = (n: number) => JSON.stringify(range(n, (i) => `company${i}.com`))
      expect(expectEnvelope(sim, get(sim, "/accounts", { domains: domains(100) }), "/accounts").data).toHaveLength(1)
      expectViolation(get(sim, "/accounts", { domains: domains(101) }), "domains")
    })

    it("rejects a value that is not a JSON array", () => {
      expectViolation(get(crm(), "/accounts", { domains: "acme.com" }), "domains")
    })
  })
})

// ==================================================================================== 2.2 POST /accounts

const push = (sim: Simulator, body: Readonly<Record<string, unknown>>) => post(sim, "/accounts", body)

describe("§2.2 POST /accounts", () => {
  it("creates accounts with per-item results and a summary, HTTP 200, scores at 0", () => {
    const sim = crm()
    const data = expectEnvelope(sim, push(sim, { accounts: [account(1), account(2)] }), "/accounts")
    expect(data.results.map((r: Json) => [r.externalId, r.status])).toEqual([["crm-001", "created"], [
      "crm-002",
      "created"
    ]])
    expect(data.summary).toEqual({ total: 2, created: 2, updated: 0, failed: 0 })
    expect(sim.accounts().map((a) => [a.externalId, a.name, a.domain])).toEqual([
      ["crm-001", "Company 1", "company1.com"],
      ["crm-002", "Company 2", "company2.com"]
    ])
    for (const stored of sim.accounts()) {
      expect(stored).toMatchObject({
        rtp_account_score: 0,
        rtp_advertising_activity_score: 0,
        rtp_website_intent_score: 0,
        rtp_g2_intent_score: 0,
        rtp_bombora_intent_score: 0
      })
    }
  })

  it("stores the optional fields shortName, linkedinUrl and tags", () => {
    const sim = crm()
    const optional = { shortName: "C1", linkedinUrl: "https://www.linkedin.com/company/c1", tags: ["tier-1", "emea"] }
    expect(push(sim, { accounts: [account(1, optional)] }).json.data.results[0].status).toBe("created")
    expect(sim.account("crm-001")).toMatchObject(optional)
  })

  it("accepts exactly 100 accounts", () => {
    const sim = crm()
    const data = expectEnvelope(sim, push(sim, { accounts: range(100, (i) => account(i)) }), "/accounts")
    expect(data.summary).toMatchObject({ total: 100, created: 100, failed: 0 })
  })

  const NORMALISED: ReadonlyArray<readonly [given: string, stored: string]> = [
    ["https://www.Acme.com/foo", "acme.com"],
    ["http://acme.com", "acme.com"],
    ["WWW.ACME.COM", "acme.com"],
    ["www.acme.com/path/deeper", "acme.com"],
    ["Sub.Acme.com", "sub.acme.com"]
  ]
  for (const [given, stored] of NORMALISED) {
    it(`normalises domain ${given} → ${stored} (§1.12)`, () => {
      const sim = crm()
      expect(push(sim, { accounts: [account(1, { domain: given })] }).status).toBe(200)
      expect(domainsOf(sim.accounts())).toEqual([stored])
    })
  }

  it("fails a duplicate externalId (CRM revision), across and within requests", () => {
    const sim = crm()
    push(sim, { accounts: [account(1)] })
    const data = expectEnvelope(
      sim,
      push(sim, { accounts: [account(1, { domain: "other.com" }), account(2), account(2, { domain: "again.com" })] }),
      "/accounts"
    )
    expect(data.results.map((r: Json) => r.status)).toEqual(["failed", "created", "failed"])
    expect(typeof data.results[0].error).toBe("string")
    expect(data.summary).toEqual({ total: 3, created: 1, updated: 0, failed: 2 })
    expect(domainsOf(sim.accounts())).toEqual(["company1.com", "company2.com"])
  })

  it("updates an existing account with upsert: true", () => {
    const sim = crm()
    push(sim, { accounts: [account(1)] })
    const data = expectEnvelope(
      sim,
      push(sim, { upsert: true, accounts: [account(1, { name: "Renamed", tags: ["vip"] }), account(2)] }),
      "/accounts"
    )
    expect(data.results.map((r: Json) => r.status)).toEqual(["updated", "created"])
    expect(data.summary).toEqual({ total: 2, created: 1, updated: 1, failed: 0 })
    expect(sim.account("crm-001")).toMatchObject({ name: "Renamed", tags: ["vip"] })
    expect(sim.accounts()).toHaveLength(2)
  })

  describe("custom fields", () => {
    const fields = (sim: Simulator) =>
      sim.seedCustomFields([
        { label: "Contract Value", labelType: "number" },
        { label: "Old Field", labelType: "singleLineText", status: "inactive" }
      ])

    it("stores known active keys", () => {
      const sim = crm()
      fields(sim)
      const data = expectEnvelope(
        sim,
        push(sim, { accounts: [account(1, { customFields: { CONTRACT_VALUE_C: 5000 } })] }),
        "/accounts"
      )
      expect(data.results[0].status).toBe("created")
      expect(sim.account("crm-001").customFields).toEqual({ CONTRACT_VALUE_C: 5000 })
    })

    for (const key of ["SOURCE_C", "OLD_FIELD_C"]) {
      it(`fails the item for ${key === "SOURCE_C" ? "an unknown" : "an inactive"} key, the others succeed`, () => {
        const sim = crm()
        fields(sim)
        const data = expectEnvelope(
          sim,
          push(sim, { accounts: [account(1, { customFields: { [key]: "x" } }), account(2)] }),
          "/accounts"
        )
        expect(data.results.map((r: Json) => r.status)).toEqual(["failed", "created"])
        expect(data.results[0].error).toMatch(new RegExp(`^Custom field key\\(s\\) not found: ${key}`))
        expect(data.summary).toEqual({ total: 2, created: 1, updated: 0, failed: 1 })
        expect(domainsOf(sim.accounts())).toEqual(["company2.com"])
      })
    }
  })

  describe("segment pre-check", () => {
    const segments = (sim: Simulator) =>
      sim.seedSegments([
        { segmentId: "live", name: "Live", status: "active" },
        { segmentId: "wip", name: "Work in progress", status: "draft" },
        { segmentId: "abc", name: "Archived", status: "archived" },
        { segmentId: "dyn", name: "Dynamic", type: "dynamic", status: "active" }
      ])

    it("rejects the whole request for an inactive segment, with the documented message, and creates nothing", () => {
      const sim = crm()
      segments(sim)
      const answer = push(sim, { segmentId: "abc", accounts: [account(1), account(2)] })
      expectBusinessError(
        sim,
        answer,
        400,
        "/accounts",
        "Segment 'abc' is not active or draft and cannot accept new members"
      )
      expect(sim.accounts()).toEqual([])
      expect(sim.segments().find((s) => s.segmentId === "abc")?.members).toEqual([])
    })

    for (const segmentId of ["missing", "dyn"]) {
      it(`rejects the whole request for a ${segmentId === "dyn" ? "non-static" : "non-existent"} segment`, () => {
        const sim = crm()
        segments(sim)
        expectBusinessError(sim, push(sim, { segmentId, accounts: [account(1)] }), 400, "/accounts")
        expect(sim.accounts()).toEqual([])
      })
    }

    for (const segmentId of ["live", "wip"]) {
      it(`adds every successfully processed account to a${segmentId === "wip" ? " draft" : "n active"} segment`, () => {
        const sim = crm()
        segments(sim)
        push(sim, { accounts: [account(1)] })
        const data = expectEnvelope(
          sim,
          push(sim, { segmentId, upsert: true, accounts: [account(1), account(2), account(3)] }),
          "/accounts"
        )
        expect(data.results.map((r: Json) => r.status)).toEqual(["updated", "created", "created"])
        const members = sim.segments().find((s) => s.segmentId === segmentId)?.members
        expect([...(members ?? [])].sort()).toEqual(["company1.com", "company2.com", "company3.com"])
      })
    }

    it("does not add failed items to the segment", () => {
      const sim = crm()
      segments(sim)
      push(sim, { accounts: [account(1)] })
      const data = expectEnvelope(
        sim,
        push(sim, { segmentId: "live", accounts: [account(1), account(2)] }),
        "/accounts"
      )
      expect(data.results.map((r: Json) => r.status)).toEqual(["failed", "created"])
      expect(sim.segments().find((s) => s.segmentId === "live")?.members).toEqual(["company2.com"])
    })
  })

  const INVALID: ReadonlyArray<readonly [name: string, body: unknown, field: string, message: string]> = [
    ["accounts missing", {}, "accounts", "accounts must be an array"],
    ["accounts empty", { accounts: [] }, "accounts", "accounts must be an array"],
    ["accounts not an array", { accounts: "nope" }, "accounts", "accounts must be an array"],
    [
      "101 accounts",
      { accounts: range(101, (i) => account(i)) },
      "accounts",
      "accounts must contain no more than 100 elements"
    ],
    [
      "externalId missing",
      { accounts: [without(account(1), "externalId")] },
      "externalId",
      "externalId must be a string"
    ],
    ["domain missing", { accounts: [without(account(1), "domain")] }, "domain", "domain should not be empty"],
    ["name missing", { accounts: [without(account(1), "name")] }, "name", "name should not be empty"]
  ]
  for (const [name, body, field, message] of INVALID) {
    it(`400 when ${name}: "${message}", nothing created`, () => {
      const sim = crm()
      expectViolation(post(sim, "/accounts", body), field, message)
      expect(sim.accounts()).toEqual([])
    })
  }

  it("validates before the segment pre-check (validation runs before any database access, §1.5)", () => {
    const sim = crm()
    sim.seedSegments([{ segmentId: "abc", name: "Archived", status: "archived" }])
    expectViolation(
      push(sim, { segmentId: "abc", accounts: [without(account(1), "domain")] }),
      "domain",
      "domain should not be empty"
    )
  })

  it("rejects the whole request when one item is invalid", () => {
    const sim = crm()
    expectViolation(
      push(sim, { accounts: [account(1), without(account(2), "name")] }),
      "name",
      "name should not be empty"
    )
    expect(sim.accounts()).toEqual([])
  })

  describe("External revision", () => {
    it("does not require externalId and deduplicates by domain", () => {
      const sim = external()
      const first = expectEnvelope(sim, push(sim, { accounts: [without(account(1), "externalId")] }), "/accounts")
      expect(first.results[0]).toMatchObject({ domain: "company1.com", status: "created" })
      expect(first.results[0].rtp_aid).toMatch(/^[0-9a-f]{24}$/)

      const again = expectEnvelope(
        sim,
        push(sim, { accounts: [{ name: "Same", domain: "https://www.company1.com/x" }, account(2)] }),
        "/accounts"
      )
      expect(again.results.map((r: Json) => r.status)).toEqual(["failed", "created"])
      expect(again.results[0].error).toContain("already exists")
      expect(again.summary).toEqual({ total: 2, created: 1, updated: 0, failed: 1 })
      expect(sim.account("company1.com").name).toBe("Company 1")
    })

    it("does not deduplicate by externalId", () => {
      const sim = external()
      const data = expectEnvelope(
        sim,
        push(sim, { accounts: [account(1, { externalId: "same" }), account(2, { externalId: "same" })] }),
        "/accounts"
      )
      expect(data.results.map((r: Json) => r.status)).toEqual(["created", "created"])
      expect(sim.accounts()).toHaveLength(2)
    })

    it("updates an existing domain with upsert: true", () => {
      const sim = external()
      push(sim, { accounts: [account(1)] })
      const data = expectEnvelope(
        sim,
        push(sim, { upsert: true, accounts: [account(1, { name: "Renamed" })] }),
        "/accounts"
      )
      expect(data.results[0].status).toBe("updated")
      expect(data.summary).toEqual({ total: 1, created: 0, updated: 1, failed: 0 })
      expect(sim.accounts().map((a) => [a.domain, a.name])).toEqual([["company1.com", "Renamed"]])
    })

    it("fails an existing domain with upsert: false", () => {
      const sim = external()
      push(sim, { accounts: [account(1)] })
      const data = expectEnvelope(
        sim,
        push(sim, { upsert: false, accounts: [account(1, { name: "Renamed" })] }),
        "/accounts"
      )
      expect(data.results[0].status).toBe("failed")
      expect(sim.account("company1.com").name).toBe("Company 1")
    })
  })
})

// ==================================================================================== 2.3 PUT /accounts/:id

describe("§2.3 PUT /accounts/:externalId", () => {
  const setup = (sim: Simulator) => {
    sim.seedCustomFields([
      { label: "Crm Stage", labelType: "singleLineText" },
      { label: "Renewal Date", labelType: "date" },
      { label: "Retired", labelType: "singleLineText", status: "inactive" }
    ])
    return sim.seedAccounts([{ ...account(1), customFields: { CRM_STAGE_C: "POC", RENEWAL_DATE_C: "2026-09-01" } }])[0]!
  }

  it("merges custom fields per key and answers 'Account updated successfully'", () => {
    const sim = crm()
    setup(sim)
    const data = expectEnvelope(
      sim,
      put(sim, "/accounts/crm-001", { customFields: { CRM_STAGE_C: "Won" } }),
      "/accounts/crm-001"
    )
    expect(data).toEqual({ message: "Account updated successfully" })
    expect(sim.account("crm-001").customFields).toEqual({ CRM_STAGE_C: "Won", RENEWAL_DATE_C: "2026-09-01" })
  })

  it("accepts null values", () => {
    const sim = crm()
    setup(sim)
    expect(put(sim, "/accounts/crm-001", { customFields: { RENEWAL_DATE_C: null } }).status).toBe(200)
    expect(sim.account("crm-001").customFields).toEqual({ CRM_STAGE_C: "POC", RENEWAL_DATE_C: null })
  })

  for (
    const body of [{ domain: "new.com" }, { name: "New" }, { tags: ["x"] }, {
      customFields: { CRM_STAGE_C: "x" },
      name: "New"
    }]
  ) {
    it(`rejects ${Object.keys(body).join(" + ")} with 400 (only customFields is accepted)`, () => {
      const sim = crm()
      const before = setup(sim)
      const answer = put(sim, "/accounts/crm-001", body)
      expect(answer.status).toBe(400)
      expect(answer.json.statusCode).toBe(400)
      expect(answer.json.message).toBe("Bad Request")
      expect(sim.account("crm-001")).toEqual(before)
    })
  }

  for (const key of ["UNKNOWN_C", "RETIRED_C"]) {
    it(`rejects ${key === "UNKNOWN_C" ? "an unknown" : "an inactive"} custom-field key with 400 and changes nothing`, () => {
      const sim = crm()
      const before = setup(sim)
      const answer = put(sim, "/accounts/crm-001", { customFields: { CRM_STAGE_C: "Won", [key]: "x" } })
      expect(answer.status).toBe(400)
      expect(answer.json.statusCode).toBe(400)
      expect(sim.account("crm-001")).toEqual(before)
    })
  }

  it("accepts a body without customFields and changes nothing (customFields is optional)", () => {
    const sim = crm()
    const before = setup(sim)
    expect(expectEnvelope(sim, put(sim, "/accounts/crm-001", {}), "/accounts/crm-001")).toEqual({
      message: "Account updated successfully"
    })
    expect(sim.account("crm-001").customFields).toEqual(before.customFields)
  })

  it("rejects an extra field with 400 even for an unknown externalId (validation before database access)", () => {
    const sim = crm()
    setup(sim)
    expect(put(sim, "/accounts/crm-999", { name: "x" }).status).toBe(400)
  })

  it("answers 404 for an unknown externalId", () => {
    const sim = crm()
    setup(sim)
    expectBusinessError(
      sim,
      put(sim, "/accounts/crm-999", { customFields: { CRM_STAGE_C: "x" } }),
      404,
      "/accounts/crm-999"
    )
  })

  it("addresses the account by externalId, not by rtp_aid, in the CRM revision", () => {
    const sim = crm()
    const seeded = setup(sim)
    expect(put(sim, `/accounts/${seeded.rtp_aid}`, { customFields: { CRM_STAGE_C: "x" } }).status).toBe(404)
  })

  describe("External revision: PUT /accounts/:rtp_aid", () => {
    it("updates by rtp_aid", () => {
      const sim = external()
      const seeded = setup(sim)
      const path = `/accounts/${seeded.rtp_aid}`
      const data = expectEnvelope(sim, put(sim, path, { customFields: { CRM_STAGE_C: "Won" } }), path)
      expect(data).toEqual({ message: "Account updated successfully" })
      expect(sim.account(seeded.rtp_aid).customFields).toEqual({ CRM_STAGE_C: "Won", RENEWAL_DATE_C: "2026-09-01" })
    })

    for (const id of ["crm-001", "123", "6a21b8855a81c58936372c2dff", "zz21b8855a81c58936372c2d"]) {
      it(`rejects the malformed rtp_aid ${id} with 400`, () => {
        const sim = external()
        const before = setup(sim)
        const answer = put(sim, `/accounts/${id}`, { customFields: { CRM_STAGE_C: "x" } })
        expect(answer.status).toBe(400)
        expect(answer.json.statusCode).toBe(400)
        expect(sim.account("company1.com")).toEqual(before)
      })
    }

    it("answers 404 for a well-formed unknown rtp_aid", () => {
      const sim = external()
      setup(sim)
      const path = "/accounts/aaaaaaaaaaaaaaaaaaaaaaaa"
      expectBusinessError(sim, put(sim, path, { customFields: { CRM_STAGE_C: "x" } }), 404, path)
    })

    it("takes name and tags as well, as the live service was seen to (§2.3 [3P])", () => {
      const sim = external()
      const seeded = setup(sim)
      const path = `/accounts/${seeded.rtp_aid}`
      const data = expectEnvelope(sim, put(sim, path, { name: "Acme Renamed", tags: ["tier-1", "emea"] }), path)
      expect(data).toEqual({ message: "Account updated successfully" })
      expect(sim.account(seeded.rtp_aid)).toMatchObject({
        name: "Acme Renamed",
        tags: ["tier-1", "emea"],
        customFields: seeded.customFields
      })
    })

    for (
      const [body, field] of [
        [{ domain: "new.com" }, "domain"],
        [{ name: "" }, "name"],
        [{ name: 7 }, "name"],
        [{ tags: "tier-1" }, "tags"],
        [{ tags: [1] }, "tags"]
      ] as const
    ) {
      it(`still rejects ${JSON.stringify(body)} with 400 and changes nothing`, () => {
        const sim = external()
        const before = setup(sim)
        const answer = put(sim, `/accounts/${before.rtp_aid}`, body)
        expect(answer.status).toBe(400)
        expect(answer.json.data.map((v: Json) => v.property)).toEqual([field])
        expect(sim.account(before.rtp_aid)).toEqual(before)
      })
    }
  })
})

// ==================================================================================== 2.4 PATCH /accounts/external-ids

describe("§2.4 PATCH /accounts/external-ids", () => {
  const map = (sim: Simulator, mappings: ReadonlyArray<{ readonly domain: string; readonly externalId: string }>) =>
    expectEnvelope(sim, patch(sim, "/accounts/external-ids", { mappings }), "/accounts/external-ids")

  it("writes external IDs onto accounts found by domain and reports the rest as notFound", () => {
    const sim = crm()
    seedCompanies(sim, 2, false)
    const data = map(sim, [
      { domain: "company1.com", externalId: "sf-1" },
      { domain: "company2.com", externalId: "sf-2" },
      { domain: "unknown.com", externalId: "sf-3" }
    ])
    expect(data).toEqual({ matched: 2, updated: 2, notFound: ["unknown.com"] })
    expect(sim.accounts().map((a) => [a.domain, a.externalId])).toEqual([["company1.com", "sf-1"], [
      "company2.com",
      "sf-2"
    ]])
  })

  it("overwrites an existing externalId silently", () => {
    const sim = crm()
    seedCompanies(sim, 1)
    expect(map(sim, [{ domain: "company1.com", externalId: "new-id" }])).toEqual({
      matched: 1,
      updated: 1,
      notFound: []
    })
    expect(sim.account("company1.com").externalId).toBe("new-id")
  })

  it("lets the last mapping of a repeated domain win", () => {
    const sim = crm()
    seedCompanies(sim, 1, false)
    const data = map(sim, [
      { domain: "company1.com", externalId: "first" },
      { domain: "company1.com", externalId: "last" }
    ])
    expect(data.notFound).toEqual([])
    expect(data.matched).toBe(data.updated)
    expect(sim.account("company1.com").externalId).toBe("last")
  })

  it("accepts 100 mappings", () => {
    const sim = crm()
    seedCompanies(sim, 100, false)
    expect(map(sim, range(100, (i) => ({ domain: `company${i}.com`, externalId: `id-${i}` })))).toEqual({
      matched: 100,
      updated: 100,
      notFound: []
    })
  })

  const INVALID: ReadonlyArray<readonly [name: string, body: unknown, field: string, message?: string]> = [
    ["mappings missing", {}, "mappings"],
    ["mappings empty", { mappings: [] }, "mappings"],
    [
      "101 mappings",
      { mappings: range(101, (i) => ({ domain: `company${i}.com`, externalId: `id-${i}` })) },
      "mappings",
      "mappings must contain no more than 100 elements"
    ],
    ["domain missing", { mappings: [{ externalId: "x" }] }, "domain"],
    ["externalId missing", { mappings: [{ domain: "company1.com" }] }, "externalId"]
  ]
  for (const [name, body, field, message] of INVALID) {
    it(`400 when ${name}, nothing written`, () => {
      const sim = crm()
      seedCompanies(sim, 1, false)
      expectViolation(patch(sim, "/accounts/external-ids", body), field, message)
      expect(sim.account("company1.com").externalId).toBeNull()
    })
  }
})

// ==================================================================================== 2.5 GET /accounts/missing-external-ids

describe("§2.5 GET /accounts/missing-external-ids", () => {
  const unmapped = (sim: Simulator, query: Readonly<Record<string, string>> = {}) =>
    expectEnvelope(sim, get(sim, "/accounts/missing-external-ids", query), "/accounts/missing-external-ids")

  it("returns a plain array of {name, domain} for accounts without externalId", () => {
    const sim = crm()
    sim.seedAccounts([
      { name: "Acme Corp", domain: "acme.com" },
      account(1),
      { name: "Globex Inc", domain: "globex.com", externalId: null }
    ])
    expect(unmapped(sim)).toEqual([{ name: "Acme Corp", domain: "acme.com" }, {
      name: "Globex Inc",
      domain: "globex.com"
    }])
  })

  it("honours limit, and defaults to 100", () => {
    const sim = crm()
    seedCompanies(sim, 101, false)
    expect(domainsOf(unmapped(sim, { limit: "2" }))).toEqual(["company1.com", "company2.com"])
    expect(unmapped(sim)).toHaveLength(100)
  })

  it("no longer lists an account once it is mapped", () => {
    const sim = crm()
    seedCompanies(sim, 2, false)
    patch(sim, "/accounts/external-ids", { mappings: [{ domain: "company1.com", externalId: "sf-1" }] })
    expect(unmapped(sim)).toEqual([{ name: "Company 2", domain: "company2.com" }])
  })
})

// ==================================================================================== 2.6 GET /accounts/custom-fields

describe("§2.6 GET /accounts/custom-fields", () => {
  it("lists only the active fields, in the documented shape", () => {
    const sim = crm()
    sim.seedCustomFields([
      { label: "Contract Value", labelType: "number", description: "Total contract value in USD" },
      { label: "Deal Source", labelType: "singleSelection", options: ["inbound", "outbound", "partner"] },
      { label: "Legacy", labelType: "singleLineText", status: "inactive" }
    ])
    expect(expectEnvelope(sim, get(sim, "/accounts/custom-fields"), "/accounts/custom-fields")).toEqual([
      {
        key: "CONTRACT_VALUE_C",
        label: "Contract Value",
        labelType: "number",
        description: "Total contract value in USD",
        options: [],
        objectType: "accounts",
        status: "active"
      },
      {
        key: "DEAL_SOURCE_C",
        label: "Deal Source",
        labelType: "singleSelection",
        description: null,
        options: ["inbound", "outbound", "partner"],
        objectType: "accounts",
        status: "active"
      }
    ])
  })

  it("returns an empty array when there are none", () => {
    const sim = crm()
    expect(expectEnvelope(sim, get(sim, "/accounts/custom-fields"), "/accounts/custom-fields")).toEqual([])
  })
})

// ==================================================================================== 2.7 POST /accounts/custom-field

describe("§2.7 POST /accounts/custom-field", () => {
  /** Creates a field; the status is not documented, so 200 and 201 are both accepted (envelope must agree). */
  const create = (sim: Simulator, body: Readonly<Record<string, unknown>>) => {
    const answer = post(sim, "/accounts/custom-field", body)
    expect([200, 201]).toContain(answer.status)
    return expectEnvelope(sim, answer, "/accounts/custom-field", answer.status)
  }

  const KEYS: ReadonlyArray<readonly [label: string, key: string]> = [
    ["Contract Value", "CONTRACT_VALUE_C"],
    ["Net-Revenue", "NET-REVENUE_C"],
    ["Revenue (USD)", "REVENUE_(USD)_C"]
  ]
  for (const [label, key] of KEYS) {
    it(`derives the key ${key} from "${label}" (§1.13)`, () => {
      const sim = crm()
      expect(create(sim, { label, labelType: "number" }).map((f: Json) => f.key)).toEqual([key])
    })
  }

  it("answers an array with the created field; description null when omitted, options [] for other types", () => {
    const sim = crm()
    expect(create(sim, { label: "Contract Value", labelType: "number", options: ["ignored"] })).toEqual([
      {
        key: "CONTRACT_VALUE_C",
        label: "Contract Value",
        labelType: "number",
        description: null,
        options: [],
        objectType: "accounts",
        status: "active"
      }
    ])
    expect(expectEnvelope(sim, get(sim, "/accounts/custom-fields"), "/accounts/custom-fields").map((f: Json) => f.key))
      .toEqual(["CONTRACT_VALUE_C"])
  })

  it("keeps the options of a selection field and the description", () => {
    const sim = crm()
    const [field] = create(sim, {
      label: "Deal Source",
      labelType: "multiSelection",
      description: "Where it came from",
      options: ["inbound", "partner"]
    })
    expect(field).toMatchObject({
      key: "DEAL_SOURCE_C",
      description: "Where it came from",
      options: ["inbound", "partner"]
    })
  })

  it("answers 409 when the generated key exists and is active, and creates nothing", () => {
    const sim = crm()
    create(sim, { label: "Contract Value", labelType: "number" })
    const answer = post(sim, "/accounts/custom-field", { label: "contract value", labelType: "singleLineText" })
    expectBusinessError(sim, answer, 409, "/accounts/custom-field")
    expect(sim.customFields().map((f) => [f.key, f.labelType])).toEqual([["CONTRACT_VALUE_C", "number"]])
  })

  it("creates a field whose key exists only as an inactive field", () => {
    const sim = crm()
    sim.seedCustomFields([{ label: "Contract Value", labelType: "number", status: "inactive" }])
    expect(create(sim, { label: "Contract Value", labelType: "date" })).toMatchObject([{
      key: "CONTRACT_VALUE_C",
      status: "active"
    }])
  })

  it("makes the new key usable in POST /accounts", () => {
    const sim = crm()
    create(sim, { label: "Tier", labelType: "singleLineText" })
    const data = expectEnvelope(
      sim,
      push(sim, { accounts: [account(1, { customFields: { TIER_C: "gold" } })] }),
      "/accounts"
    )
    expect(data.results[0].status).toBe("created")
  })

  const INVALID: ReadonlyArray<readonly [name: string, body: unknown, field: string]> = [
    ["singleSelection without options", { label: "Source", labelType: "singleSelection" }, "options"],
    ["multiSelection with no options", { label: "Source", labelType: "multiSelection", options: [] }, "options"],
    ["label missing", { labelType: "number" }, "label"],
    ["labelType missing", { label: "Source" }, "labelType"],
    ["labelType unknown", { label: "Source", labelType: "checkbox" }, "labelType"]
  ]
  for (const [name, body, field] of INVALID) {
    it(`400 when ${name}, nothing created`, () => {
      const sim = crm()
      expectViolation(post(sim, "/accounts/custom-field", body), field)
      expect(sim.customFields()).toEqual([])
    })
  }
})

// ==================================================================================== 2.8 POST /deals

describe("§2.8 POST /deals", () => {
  it("upserts: a new externalDealId is created, a repeated one updates the stored deal", () => {
    const sim = crm()
    const first = expectEnvelope(
      sim,
      post(sim, "/deals", { deals: [deal("d-1", { amount: 100 }), deal("d-2")] }),
      "/deals"
    )
    expect(first).toEqual({
      results: [{ externalDealId: "d-1", status: "upserted" }, { externalDealId: "d-2", status: "upserted" }],
      summary: { total: 2, upserted: 2, failed: 0 }
    })
    const second = expectEnvelope(
      sim,
      post(sim, "/deals", { deals: [deal("d-1", { amount: 250, stageId: "won" })] }),
      "/deals"
    )
    expect(second.results).toEqual([{ externalDealId: "d-1", status: "upserted" }])
    expect(sim.deals()).toHaveLength(2)
    expect(sim.deals().find((d) => d["externalDealId"] === "d-1")).toMatchObject({ amount: 250, stageId: "won" })
  })

  it("links associated accounts by normalised domain", () => {
    const sim = crm()
    const acme = sim.seedAccounts([{ name: "Acme", domain: "acme.com" }])[0]!
    post(sim, "/deals", {
      deals: [deal("d-1", { associatedAccounts: [{ domain: "https://www.acme.com/" }, { domain: "nobody.com" }] })]
    })
    expect(sim.deals()[0]?.["linkedAccounts"]).toEqual([acme.rtp_aid])
  })

  it("stores a deal whose associated account matches nothing, and one with an unregistered stage", () => {
    const sim = crm()
    const data = expectEnvelope(
      sim,
      post(sim, "/deals", {
        deals: [
          deal("d-1", { stageId: "never-registered", associatedAccounts: [{ domain: "nobody.com", name: "Nobody" }] })
        ]
      }),
      "/deals"
    )
    expect(data.summary).toEqual({ total: 1, upserted: 1, failed: 0 })
    expect(sim.deals()).toHaveLength(1)
  })

  it("accepts every documented field, and exactly 100 deals", () => {
    const sim = crm()
    const full = deal("full", {
      amount: 1000,
      stageId: "s",
      stageLabel: "S",
      pipelineId: "p",
      pipelineLabel: "P",
      startDate: "2026-04-01",
      closedDate: "2026-04-22T10:30:00Z",
      ownerName: "Rep",
      ownerEmail: "rep@seller.com",
      ownerId: "o-1",
      dealCurrencyCode: "EUR",
      associatedAccounts: [{ externalId: "crm-001", domain: "acme.com", name: "Acme" }]
    })
    const data = expectEnvelope(
      sim,
      post(sim, "/deals", { deals: [full, ...range(99, (i) => deal(`d-${i}`))] }),
      "/deals"
    )
    expect(data.summary).toEqual({ total: 100, upserted: 100, failed: 0 })
  })

  const INVALID: ReadonlyArray<readonly [name: string, body: unknown, field: string, message?: string]> = [
    ["deals missing", {}, "deals"],
    ["deals empty", { deals: [] }, "deals"],
    [
      "101 deals",
      { deals: range(101, (i) => deal(`d-${i}`)) },
      "deals",
      "deals must contain no more than 100 elements"
    ],
    [
      "externalDealId missing",
      { deals: [without(deal("d-1"), "externalDealId")] },
      "externalDealId",
      "externalDealId should not be empty"
    ],
    [
      "startDate not ISO 8601",
      { deals: [deal("d-1", { startDate: "22/04/2026" })] },
      "startDate",
      "startDate must be a valid ISO 8601 date string"
    ],
    [
      "closedDate not ISO 8601",
      { deals: [deal("d-1", { closedDate: "soon" })] },
      "closedDate",
      "closedDate must be a valid ISO 8601 date string"
    ],
    [
      "ownerEmail invalid",
      { deals: [deal("d-1", { ownerEmail: "not-an-email" })] },
      "ownerEmail",
      "ownerEmail must be an email"
    ],
    ["name missing", { deals: [without(deal("d-1"), "name")] }, "name"]
  ]
  for (const [name, body, field, message] of INVALID) {
    it(`400 when ${name}, nothing stored`, () => {
      const sim = crm()
      expectViolation(post(sim, "/deals", body), field, message)
      expect(sim.deals()).toEqual([])
    })
  }
})

// ==================================================================================== 2.9 / 2.12 deal stages

describe("§2.9 POST /deal-stages and §2.12 GET /deal-stages", () => {
  const create = (sim: Simulator, ids: ReadonlyArray<string>) => {
    const answer = post(sim, "/deal-stages", { pipelines: ids.map(pipeline) })
    expect([200, 201]).toContain(answer.status)
    return expectEnvelope(sim, answer, "/deal-stages", answer.status)
  }

  it("creates pipelines with their stages; GET /deal-stages returns them as a bare array", () => {
    const sim = crm()
    expect(get(sim, "/deal-stages").json).toEqual([])
    expect(create(sim, ["smb-pipeline", "enterprise-pipeline"])).toEqual({
      results: [{ pipelineId: "smb-pipeline", status: "created" }, {
        pipelineId: "enterprise-pipeline",
        status: "created"
      }],
      summary: { total: 2, created: 2 }
    })
    const listed = get(sim, "/deal-stages")
    expect(listed.status).toBe(200)
    expect(listed.json).toEqual([pipeline("smb-pipeline"), pipeline("enterprise-pipeline")])
  })

  const CONFLICT: ReadonlyArray<readonly [revision: "crm" | "external", message: string]> = [
    ["crm", "Pipeline(s) already exist: smb-pipeline. Use the update endpoint to modify existing pipelines."],
    ["external", "Pipeline(s) already exist: smb-pipeline"]
  ]
  for (const [revision, message] of CONFLICT) {
    it(`answers 409 all-or-nothing when a pipeline exists (${revision} wording)`, () => {
      const sim = new Simulator({ revision })
      create(sim, ["smb-pipeline"])
      const answer = post(sim, "/deal-stages", { pipelines: [pipeline("new-pipeline"), pipeline("smb-pipeline")] })
      expectBusinessError(sim, answer, 409, "/deal-stages", message)
      expect(sim.pipelines().map((p) => p.pipelineId)).toEqual(["smb-pipeline"])
      expect(get(sim, "/deal-stages").json.map((p: Json) => p.pipelineId)).toEqual(["smb-pipeline"])
    })
  }

  it("names every conflicting pipeline", () => {
    const sim = crm()
    create(sim, ["smb-pipeline", "enterprise-pipeline"])
    const answer = post(sim, "/deal-stages", { pipelines: [pipeline("smb-pipeline"), pipeline("enterprise-pipeline")] })
    expect(answer.status).toBe(409)
    expect(answer.json.customMessage).toContain("smb-pipeline")
    expect(answer.json.customMessage).toContain("enterprise-pipeline")
  })

  it("accepts 20 pipelines", () => {
    const sim = crm()
    expect(create(sim, range(20, (i) => `p-${i}`)).summary).toEqual({ total: 20, created: 20 })
  })

  const INVALID: ReadonlyArray<readonly [name: string, body: unknown, field: string, message?: string]> = [
    ["pipelines missing", {}, "pipelines"],
    ["pipelines empty", { pipelines: [] }, "pipelines"],
    [
      "21 pipelines",
      { pipelines: range(21, (i) => pipeline(`p-${i}`)) },
      "pipelines",
      "pipelines must contain no more than 20 elements"
    ],
    ["stages empty", { pipelines: [{ ...pipeline("p"), stages: [] }] }, "stages"],
    ["stages missing", { pipelines: [without(pipeline("p"), "stages")] }, "stages"],
    ["pipelineId missing", { pipelines: [without(pipeline("p"), "pipelineId")] }, "pipelineId"],
    ["pipelineLabel missing", { pipelines: [without(pipeline("p"), "pipelineLabel")] }, "pipelineLabel"],
    ["stageLabel missing", { pipelines: [{ ...pipeline("p"), stages: [{ stageId: "s" }] }] }, "stageLabel"]
  ]
  for (const [name, body, field, message] of INVALID) {
    it(`400 when ${name}, nothing created`, () => {
      const sim = crm()
      expectViolation(post(sim, "/deal-stages", body), field, message)
      expect(sim.pipelines()).toEqual([])
    })
  }
})

// ==================================================================================== 2.10 POST /sales-activities

describe("§2.10 POST /sales-activities", () => {
  const pushActivities = (sim: Simulator, activities: ReadonlyArray<unknown>) =>
    expectEnvelope(sim, post(sim, "/sales-activities", { activities }), "/sales-activities")

  it("creates calls and emails, fails a repeated externalActivityId, skips other types", () => {
    const sim = crm()
    const first = pushActivities(sim, [
      activity("a-1", { direction: "outbound", durationMinutes: 12, outcome: "Connected", callTitle: "Intro" }),
      activity("a-2", {
        activityType: "email",
        subject: "Hello",
        openCount: 3,
        clickCount: 1,
        accountName: "Acme",
        ownerName: "Rep",
        ownerId: "o-1",
        from: { name: "Rep", email: "rep@seller.com" }
      }),
      activity("a-3", { activityType: "meeting" }),
      activity("a-1")
    ])
    expect(first.results.map((r: Json) => [r.externalActivityId, r.status])).toEqual([
      ["a-1", "created"],
      ["a-2", "created"],
      ["a-3", "skipped"],
      ["a-1", "failed"]
    ])
    expect(first.summary).toEqual({ total: 4, created: 2, failed: 1, skipped: 1 })

    const second = pushActivities(sim, [activity("a-2"), activity("a-4", { direction: "inbound" })])
    expect(second.results.map((r: Json) => r.status)).toEqual(["failed", "created"])
    expect(second.summary).toEqual({ total: 2, created: 1, failed: 1, skipped: 0 })
    expect(sim.activities().map((a) => a["externalActivityId"])).toEqual(["a-1", "a-2", "a-4"])
  })

  it("accepts exactly 50 activities", () => {
    const sim = crm()
    expect(pushActivities(sim, range(50, (i) => activity(`a-${i}`))).summary).toEqual({
      total: 50,
      created: 50,
      failed: 0,
      skipped: 0
    })
  })

  const INVALID: ReadonlyArray<readonly [name: string, body: unknown, field: string, message?: string]> = [
    ["activities missing", {}, "activities"],
    ["activities empty", { activities: [] }, "activities"],
    [
      "51 activities",
      { activities: range(51, (i) => activity(`a-${i}`)) },
      "activities",
      "activities must contain no more than 50 elements"
    ],
    [
      "occurredAt missing",
      { activities: [without(activity("a"), "occurredAt")] },
      "occurredAt",
      "occurredAt must be a valid ISO 8601 date string"
    ],
    [
      "occurredAt not ISO 8601",
      { activities: [activity("a", { occurredAt: "last tuesday" })] },
      "occurredAt",
      "occurredAt must be a valid ISO 8601 date string"
    ],
    ["domain missing", { activities: [without(activity("a"), "domain")] }, "domain", "domain should not be empty"],
    [
      "ownerEmail missing",
      { activities: [without(activity("a"), "ownerEmail")] },
      "ownerEmail",
      "ownerEmail must be an email"
    ],
    [
      "ownerEmail invalid",
      { activities: [activity("a", { ownerEmail: "rep" })] },
      "ownerEmail",
      "ownerEmail must be an email"
    ],
    [
      "contacts missing",
      { activities: [without(activity("a"), "contacts")] },
      "contacts",
      "contacts must contain at least 1 elements"
    ],
    [
      "contacts empty",
      { activities: [activity("a", { contacts: [] })] },
      "contacts",
      "contacts must contain at least 1 elements"
    ],
    [
      "direction not inbound/outbound",
      { activities: [activity("a", { direction: "sideways" })] },
      "direction",
      "direction must be one of the following values: inbound, outbound"
    ],
    [
      "externalActivityId missing",
      { activities: [without(activity("a"), "externalActivityId")] },
      "externalActivityId"
    ],
    ["activityType missing", { activities: [without(activity("a"), "activityType")] }, "activityType"]
  ]
  for (const [name, body, field, message] of INVALID) {
    it(`400 when ${name}, nothing created`, () => {
      const sim = crm()
      expectViolation(post(sim, "/sales-activities", body), field, message)
      expect(sim.activities()).toEqual([])
    })
  }
})

// ==================================================================================== 2.11 GET /segments

describe("§2.11 GET /segments", () => {
  it("lists only static segments that are active or draft, without syncTimestamp", () => {
    const sim = crm()
    sim.seedSegments([
      { segmentId: "seg-001", name: "Q2 Target Accounts", status: "active" },
      { segmentId: "seg-002", name: "Draft Campaign List", status: "draft" },
      { segmentId: "seg-003", name: "Archived", status: "archived" },
      { segmentId: "seg-004", name: "Dynamic", type: "dynamic", status: "active" }
    ])
    const data = expectEnvelope(sim, get(sim, "/segments"), "/segments")
    expect(Object.keys(data).sort()).toEqual(["data", "hasNextPage", "nextCursor"])
    expect(data.data).toEqual([
      { segmentId: "seg-001", name: "Q2 Target Accounts", status: "active" },
      { segmentId: "seg-002", name: "Draft Campaign List", status: "draft" }
    ])
    expect(data.hasNextPage).toBe(false)
    expectCursor(data.nextCursor)
  })

  it("pages by limit/cursor: every segment exactly once, nextCursor left set on the last page", () => {
    const sim = crm()
    const ids = range(5, (i) => `seg-${i}`)
    sim.seedSegments(ids.map((segmentId) => ({ segmentId, name: segmentId })))
    const pages = allPages(sim, "/segments", { limit: "2" })
    expect(pages.map((p) => p.hasNextPage)).toEqual([true, true, false])
    expectCursor(pages.at(-1).nextCursor)
    expect(pages.flatMap((p) => p.data.map((s: Json) => s.segmentId)).sort()).toEqual(ids)
    for (const page of pages) expect(page).not.toHaveProperty("syncTimestamp")
  })

  it("defaults to 100 per page", () => {
    const sim = crm()
    sim.seedSegments(range(101, (i) => ({ segmentId: `seg-${String(i).padStart(3, "0")}`, name: `S${i}` })))
    const first = expectEnvelope(sim, get(sim, "/segments"), "/segments")
    expect(first.data).toHaveLength(100)
    expect(first.hasNextPage).toBe(true)
  })

  for (const limit of ["0", "abc"]) {
    it(`rejects limit=${limit} with 400`, () => {
      expectViolation(get(crm(), "/segments", { limit }), "limit")
    })
  }
})

// ==================================================================================== 2.13 GET /journey-stages

describe("§2.13 GET /journey-stages", () => {
  it("answers a bare array of stage labels", () => {
    const answer = get(crm(), "/journey-stages")
    expect(answer.status).toBe(200)
    expect(answer.json).toEqual(["Unaware", "Aware", "Consideration", "Opportunity", "Customer"])
  })

  it("answers the team's configured stages", () => {
    const sim = crm({ journeyStages: ["Cold", "Warm", "Hot"] })
    expect(get(sim, "/journey-stages").json).toEqual(["Cold", "Warm", "Hot"])
  })
})

// ==================================================================================== the reference's own rules

describe("§1.12 domain normalisation, as the simulator states it", () => {
  /** Only what §1.12 says: scheme, `www.`, trailing path removed; lower-cased. Nothing else. */
  const NORMALISED: ReadonlyArray<readonly [given: string, stored: string]> = [
    ["https://www.acme.com/foo", "acme.com"], // the reference's own example
    ["HTTPS://WWW.ACME.COM/FOO", "acme.com"],
    ["http://acme.com", "acme.com"],
    ["www.acme.com", "acme.com"],
    ["acme.com/path/deeper?x=1", "acme.com"],
    ["Sub.Acme.com", "sub.acme.com"],
    ["www2.acme.com", "www2.acme.com"], // only `www.` is removed
    ["shop.www.acme.com", "shop.www.acme.com"], // only a leading `www.`
    ["ACME.com:8443", "acme.com:8443"], // a port is kept
    ["https://acme.com:8443/x", "acme.com:8443"],
    ["acme.com.", "acme.com."], // a trailing dot is kept
    ["https://www.Acme.COM/x", "acme.com"]
  ]
  for (const [given, stored] of NORMALISED) {
    it(`stores, answers and matches ${JSON.stringify(given)} as ${JSON.stringify(stored)}`, () => {
      const sim = crm()
      const data = expectEnvelope(sim, push(sim, { accounts: [account(1, { domain: given })] }), "/accounts")
      expect(data.results[0]).toMatchObject({ status: "created", domain: stored })
      expect(domainsOf(sim.accounts())).toEqual([stored])
      // The `domains` filter normalises the same way (§1.12 [EXT]).
      const found = expectEnvelope(sim, get(sim, "/accounts", { domains: JSON.stringify([given]) }), "/accounts")
      expect(domainsOf(found.data)).toEqual([stored])
    })
  }

  it("treats a port and a trailing dot as other domains than the bare one (External revision dedups by domain)", () => {
    const sim = external()
    push(sim, { accounts: [{ name: "Acme", domain: "acme.com" }] })
    const data = expectEnvelope(
      sim,
      push(sim, { accounts: [{ name: "Dot", domain: "acme.com." }, { name: "Port", domain: "ACME.com:8443" }] }),
      "/accounts"
    )
    expect(data.results.map((r: Json) => [r.domain, r.status])).toEqual([["acme.com.", "created"], [
      "acme.com:8443",
      "created"
    ]])
    expect(domainsOf(sim.accounts())).toEqual(["acme.com", "acme.com.", "acme.com:8443"])
  })

  it("normalises seeded domains and lookups the same way", () => {
    const sim = crm()
    sim.seedAccounts([{ name: "Acme", domain: "https://www.ACME.com:8443/home" }])
    expect(sim.account("www.acme.com:8443").domain).toBe("acme.com:8443")
    expect(() => sim.account("acme.com")).toThrow()
  })
})

describe("§1.13 custom-field key rule, as the simulator states it", () => {
  const KEYS: ReadonlyArray<readonly [label: string, key: string]> = [
    ["Contract Value", "CONTRACT_VALUE_C"], // the reference's table
    ["Net-Revenue", "NET-REVENUE_C"],
    ["Revenue (USD)", "REVENUE_(USD)_C"],
    ["contract value", "CONTRACT_VALUE_C"],
    ["Two  Spaces", "TWO__SPACES_C"], // each space becomes `_`
    [" Lead", "_LEAD_C"],
    ["Tab\tSeparated", "TAB\tSEPARATED_C"], // only spaces are transformed
    ["Already_C", "ALREADY_C_C"],
    ["Größe Wert", "GRÖSSE_WERT_C"] // upper-cased as a whole string (`ß` → `SS`)
  ]
  for (const [label, key] of KEYS) {
    it(`derives ${JSON.stringify(key)} from ${JSON.stringify(label)} when created and when seeded`, () => {
      const sim = crm()
      const answer = post(sim, "/accounts/custom-field", { label, labelType: "singleLineText" })
      expect(expectEnvelope(sim, answer, "/accounts/custom-field", answer.status).map((f: Json) => f.key)).toEqual([
        key
      ])
      const seeded = crm().seedCustomFields([{ label, labelType: "number" }])
      expect(seeded.customFields().map((f) => f.key)).toEqual([key])
    })
  }
})

describe("email and ISO 8601 rules: class-validator's, i.e. validator's defaults", () => {
  const isEmail = (value: string) => isEmailModule.default(value)
  const isIso8601 = (value: string) => isISO8601Module.default(value)

  const EMAILS: ReadonlyArray<readonly [email: string, accepted: boolean]> = [
    ["rep@seller.com", true],
    ["first.last+tag@sub.example.co.uk", true],
    ["a@b.co", true],
    ["rep@SELLER.COM", true],
    ["josé@example.com", true], // a UTF-8 local part is allowed
    ["\"quoted\"@example.com", true],
    ["rep@xn--bcher-kva.com", true],
    ["a@b.c", false], // a one-letter top-level domain
    ["a..b@x.com", false],
    ["foo@bar.com.", false], // a trailing dot
    ["a@[1.2.3.4]", false], // an IP literal
    ["rep@1.2.3.4", false],
    ["user@localhost", false], // no top-level domain
    ["Rep <rep@seller.com>", false], // no display name
    [" rep@seller.com", false],
    [".rep@seller.com", false],
    ["rep.@seller.com", false],
    ["rep@-seller.com", false],
    ["rep@seller_x.com", false],
    ["rep@seller.c0m", false],
    [`${"x".repeat(65)}@seller.com`, false] // a local part over 64 characters
  ]

  it("the email table agrees with validator", () => {
    for (const [email, accepted] of EMAILS) expect([email, isEmail(email)]).toEqual([email, accepted])
  })

  for (const [email, accepted] of EMAILS) {
    it(`${accepted ? "accepts" : "refuses"} the email ${JSON.stringify(email)} in deals' ownerEmail, activities' ownerEmail and contacts' email`, () => {
      const sim = crm()
      const dealAnswer = post(sim, "/deals", { deals: [deal("d-1", { ownerEmail: email })] })
      const ownerAnswer = post(sim, "/sales-activities", { activities: [activity("a-1", { ownerEmail: email })] })
      const contactAnswer = post(sim, "/sales-activities", {
        activities: [activity("a-2", { contacts: [{ email: "buyer@acme.com" }, { email }] })]
      })
      if (accepted) {
        expect([dealAnswer.status, ownerAnswer.status, contactAnswer.status]).toEqual([200, 200, 200])
        expect(sim.deals()).toHaveLength(1)
        expect(sim.activities()).toHaveLength(2)
      } else {
        expectViolation(dealAnswer, "ownerEmail", "ownerEmail must be an email")
        expectViolation(ownerAnswer, "ownerEmail", "ownerEmail must be an email")
        expectViolation(contactAnswer, "email", "email must be an email")
        expect(sim.deals()).toEqual([])
        expect(sim.activities()).toEqual([])
      }
    })
  }

  const DATES: ReadonlyArray<readonly [date: string, accepted: boolean]> = [
    ["2026-04-22T10:30:00Z", true],
    ["2026-04-22T10:30:00.000Z", true],
    ["2026-04-22 10:30:00", true], // a space instead of `T`
    ["2026-04-22T10:30:00+05", true], // an hour-only offset
    ["2026-04-22T10:30:00+0530", true],
    ["2026-04-22T10:30:00z", true], // a lower-case `z`
    ["2026-04-22T10:30", true],
    ["2026-04", true],
    ["2026", true],
    ["2026-W17-3", true], // a week date
    ["2026-112", true], // an ordinal date
    ["20260422T103000Z", true], // the basic format
    ["2026-02-30", true], // not strict: the day is not checked against the month
    ["2026-04-22T24:00:00Z", false], // hour 24
    ["2026-04-22T10:60:00Z", false],
    ["2026-13-01", false],
    ["2026-4-22", false],
    ["22/04/2026", false],
    ["2026-04-22t10:30:00Z", false], // a lower-case `t`
    ["2026-04-22T10:30:00 Z", false],
    ["", false]
  ]

  it("the date table agrees with validator", () => {
    for (const [date, accepted] of DATES) expect([date, isIso8601(date)]).toEqual([date, accepted])
  })

  for (const [date, accepted] of DATES) {
    it(`${accepted ? "accepts" : "refuses"} the date ${JSON.stringify(date)} in startDate, closedDate, occurredAt and lastSync`, () => {
      const sim = crm()
      const answers = [
        ["startDate", post(sim, "/deals", { deals: [deal("d-1", { startDate: date })] })],
        ["closedDate", post(sim, "/deals", { deals: [deal("d-2", { closedDate: date })] })],
        ["occurredAt", post(sim, "/sales-activities", { activities: [activity("a-1", { occurredAt: date })] })],
        ["lastSync", get(sim, "/accounts", { lastSync: date })]
      ] as const
      for (const [field, answer] of answers) {
        if (accepted) expect([field, answer.status]).toEqual([field, 200])
        else expectViolation(answer, field, `${field} must be a valid ISO 8601 date string`)
      }
      expect(sim.deals()).toHaveLength(accepted ? 2 : 0)
      expect(sim.activities()).toHaveLength(accepted ? 1 : 0)
    })
  }
})

// ==================================================================================== push result shapes

describe("§2.2 POST /accounts result items, per revision", () => {
  it("External revision: { rtp_aid, domain, status } as seen live, with no externalId key even when one was sent", () => {
    const sim = external()
    const data = expectEnvelope(
      sim,
      push(sim, { accounts: [account(1), without(account(2), "externalId")] }),
      "/accounts"
    )
    for (const result of data.results) {
      expect(Object.keys(result).sort()).toEqual(["domain", "rtp_aid", "status"])
      expect(result.rtp_aid).toMatch(/^[0-9a-f]{24}$/)
    }
    expect(data.results.map((r: Json) => [r.domain, r.status])).toEqual([["company1.com", "created"], [
      "company2.com",
      "created"
    ]])
  })

  it("External revision: a failed item adds error, keeps the existing account's rtp_aid, and has no externalId", () => {
    const sim = external()
    const first = expectEnvelope(sim, push(sim, { accounts: [account(1)] }), "/accounts")
    const again = expectEnvelope(sim, push(sim, { accounts: [account(1, { name: "Again" })] }), "/accounts")
    expect(Object.keys(again.results[0]).sort()).toEqual(["domain", "error", "rtp_aid", "status"])
    expect(again.results[0]).toEqual({
      rtp_aid: first.results[0].rtp_aid,
      domain: "company1.com",
      status: "failed",
      error: `Account with domain 'company1.com' already exists. Use PUT /accounts/${
        first.results[0].rtp_aid
      } to update it.`
    })
  })

  it("External revision: an updated item has the same shape", () => {
    const sim = external()
    push(sim, { accounts: [account(1)] })
    const data = expectEnvelope(
      sim,
      push(sim, { upsert: true, accounts: [account(1, { name: "Renamed" })] }),
      "/accounts"
    )
    expect(Object.keys(data.results[0]).sort()).toEqual(["domain", "rtp_aid", "status"])
    expect(data.results[0].status).toBe("updated")
  })

  it("External revision: result domains are the simulator's normalisation, not the pushed text", () => {
    const sim = external()
    const pushed = ["https://www.Acme.COM/x", "acme.com.", "ACME.com:8443"]
    const data = expectEnvelope(
      sim,
      push(sim, { accounts: pushed.map((domain, i) => ({ name: `Acme ${i}`, domain })) }),
      "/accounts"
    )
    expect(data.results.map((r: Json) => r.domain)).toEqual(["acme.com", "acme.com.", "acme.com:8443"])
  })

  it("CRM revision keeps { externalId, rtp_aid, domain, status } (+ error)", () => {
    const sim = crm()
    const data = expectEnvelope(
      sim,
      push(sim, { accounts: [account(1), account(1, { domain: "other.com" })] }),
      "/accounts"
    )
    expect(Object.keys(data.results[0]).sort()).toEqual(["domain", "externalId", "rtp_aid", "status"])
    expect(Object.keys(data.results[1]).sort()).toEqual(["domain", "error", "externalId", "rtp_aid", "status"])
    expect(data.results.map((r: Json) => [r.externalId, r.status])).toEqual([["crm-001", "created"], [
      "crm-001",
      "failed"
    ]])
  })
})

// ==================================================================================== injected item failures

describe("[3P] failed items, injected with failItems", () => {
  const failId =
    (field: string, id: string, message = "Injected failure") => (item: Readonly<Record<string, unknown>>) =>
      item[field] === id ? message : undefined

  it("POST /deals: a chosen item comes back failed with its error, is not stored, and counts in summary.failed", () => {
    const sim = crm().failItems("POST /deals", failId("externalDealId", "d-2", "Owner not found"))
    const data = expectEnvelope(sim, post(sim, "/deals", { deals: [deal("d-1"), deal("d-2"), deal("d-3")] }), "/deals")
    expect(data).toEqual({
      results: [
        { externalDealId: "d-1", status: "upserted" },
        { externalDealId: "d-2", status: "failed", error: "Owner not found" },
        { externalDealId: "d-3", status: "upserted" }
      ],
      summary: { total: 3, upserted: 2, failed: 1 }
    })
    expect(sim.deals().map((d) => d["externalDealId"])).toEqual(["d-1", "d-3"])
  })

  it("POST /deals: a failed update leaves the stored deal as it was", () => {
    const sim = crm()
    post(sim, "/deals", { deals: [deal("d-1", { amount: 100 })] })
    sim.failItems("POST /deals", (item) => (item["amount"] === 250 ? "amount rejected" : undefined))
    const data = expectEnvelope(sim, post(sim, "/deals", { deals: [deal("d-1", { amount: 250 })] }), "/deals")
    expect(data.summary).toEqual({ total: 1, upserted: 0, failed: 1 })
    expect(sim.deals()).toMatchObject([{ externalDealId: "d-1", amount: 100 }])
  })

  it("gives the rule each item as sent, and a copy: changing it changes nothing stored", () => {
    const seen: Array<unknown> = []
    const sim = crm().failItems("POST /deals", (item) => {
      seen.push(structuredClone(item))
      ;(item as Record<string, unknown>)["amount"] = -1
      return undefined
    })
    const sent = deal("d-1", { amount: 5, associatedAccounts: [{ domain: "https://www.Acme.com/" }] })
    post(sim, "/deals", { deals: [sent] })
    expect(seen).toEqual([sent])
    expect(sim.deals()).toMatchObject([{ amount: 5 }])
  })

  it("runs after validation: an invalid request is still a 400 and the rule is not asked", () => {
    let asked = 0
    const sim = crm().failItems("POST /deals", () => {
      asked += 1
      return "never"
    })
    expectViolation(post(sim, "/deals", { deals: [deal("d-1"), deal("d-2", { ownerEmail: "a@b.c" })] }), "ownerEmail")
    expect(asked).toBe(0)
  })

  it("a new rule replaces the old one; clearItemFailures stops failing (one route or all)", () => {
    const sim = crm()
      .failItems("POST /deals", () => "first")
      .failItems("POST /deals", () => "second")
      .failItems("POST /sales-activities", () => "activity")
    expect(post(sim, "/deals", { deals: [deal("d-1")] }).json.data.results[0].error).toBe("second")
    sim.clearItemFailures("POST /deals")
    expect(post(sim, "/deals", { deals: [deal("d-1")] }).json.data.results[0].status).toBe("upserted")
    expect(post(sim, "/sales-activities", { activities: [activity("a-1")] }).json.data.results[0].status).toBe("failed")
    sim.clearItemFailures()
    expect(post(sim, "/sales-activities", { activities: [activity("a-1")] }).json.data.results[0].status).toBe(
      "created"
    )
  })

  it("refuses a route that has no per-item results", () => {
    expect(() => crm().failItems("POST /deal-stages" as "POST /deals", () => "x")).toThrow(TypeError)
  })

  for (const revision of ["crm", "external"] as const) {
    it(`POST /accounts (${revision}): the item fails with rtp_aid null, is not stored nor added to the segment`, () => {
      const sim = new Simulator({ revision })
      sim.seedSegments([{ segmentId: "seg-1", name: "Targets" }])
      sim.failItems("POST /accounts", (item) => (item["domain"] === "company2.com" ? "Enrichment failed" : undefined))
      const data = expectEnvelope(
        sim,
        push(sim, { segmentId: "seg-1", accounts: [account(1), account(2), account(3)] }),
        "/accounts"
      )
      expect(data.results[1]).toEqual({
        ...(revision === "crm" ? { externalId: "crm-002" } : {}),
        rtp_aid: null,
        domain: "company2.com",
        status: "failed",
        error: "Enrichment failed"
      })
      expect(data.summary).toEqual({ total: 3, created: 2, updated: 0, failed: 1 })
      expect(domainsOf(sim.accounts())).toEqual(["company1.com", "company3.com"])
      expect(sim.segments()[0]?.members).toEqual(["company1.com", "company3.com"])
    })
  }

  it("POST /sales-activities: the item fails (even one that would be skipped) and is not created", () => {
    const sim = crm().failItems(
      "POST /sales-activities",
      (item) =>
        item["externalActivityId"] === "a-1" || item["externalActivityId"] === "a-3" ? "Contact rejected" : undefined
    )
    const data = expectEnvelope(
      sim,
      post(sim, "/sales-activities", {
        activities: [activity("a-1"), activity("a-2"), activity("a-3", { activityType: "meeting" })]
      }),
      "/sales-activities"
    )
    expect(data.results).toEqual([
      { externalActivityId: "a-1", status: "failed", error: "Contact rejected" },
      { externalActivityId: "a-2", status: "created" },
      { externalActivityId: "a-3", status: "failed", error: "Contact rejected" }
    ])
    expect(data.summary).toEqual({ total: 3, created: 1, failed: 2, skipped: 0 })
    expect(sim.activities().map((a) => a["externalActivityId"])).toEqual(["a-2"])
  })
})
