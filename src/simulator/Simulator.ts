/**
 * An in-memory simulator of the whole Recotap CRM API, for tests, demos and benchmarks.
 *
 * It answers every documented endpoint with the documented envelopes, status codes and
 * messages; keeps its state in memory; tells time with a deterministic virtual clock; and can
 * inject faults. It is transport-free: {@link Simulator.reply} turns a request into a
 * {@link Reply}, which `RecotapSimulator` serves as an `HttpClient` or over loopback HTTP.
 *
 * Where the docs are silent the simulator picks a plausible answer; the README lists those
 * choices. The `observed` profile makes it behave as the live service was seen to instead.
 *
 * @since 0.1.0
 */
// Over 400 lines: the simulated workspace's one public class (its seeding, clock, faults and
// request log, each with TSDoc) and its route table; each endpoint's rules are in `internal/`.
import * as Duration from "effect/Duration"
import * as Redacted from "effect/Redacted"
import { type Fault, Faults } from "./Fault.js"
import {
  accountView,
  listAccounts,
  listUnmapped,
  mapExternalIds,
  pushAccounts,
  updateAccount
} from "./internal/accounts.js"
import { ITEM_ROUTES, type RouteHandler } from "./internal/call.js"
import { createCustomField, customFieldView, listCustomFields } from "./internal/customFields.js"
import { pushDeals } from "./internal/deals.js"
import { listDealStages, pushDealStages } from "./internal/dealStages.js"
import { normalizeDomain } from "./internal/domains.js"
import { checkReadLag, PROFILES } from "./internal/profile.js"
import { isNonEmptyString } from "./internal/rules.js"
import { pushSalesActivities } from "./internal/salesActivities.js"
import { listJourneyStages, listSegments } from "./internal/segments.js"
import {
  Store,
  type StoredAccount,
  type StoredCustomField,
  type StoredPipeline,
  type StoredSegment
} from "./internal/store.js"
import { json, noRoute, refuse, type Where } from "./internal/wire.js"
import type { Reply, Respond, SimRequest } from "./Reply.js"

import type * as call from "./internal/call.js"
import type * as profile from "./internal/profile.js"

/**
 * @since 0.1.0
 * @category models
 */
export type ItemRoute = call.ItemRoute

/**
 * @since 0.1.0
 * @category models
 */
export type ItemRule = call.ItemRule
import type * as store from "./internal/store.js"

/**
 * @since 0.1.0
 * @category models
 */
export type ClockMode = store.ClockMode

/**
 * `reference`: the service as its docs describe it; `observed`: as the live service was seen to
 * behave (whole-second times, a read lag, flat error bodies, and the other rules the README lists).
 *
 * @since 0.1.0
 * @category models
 */
export type Profile = profile.Profile

/**
 * @since 0.1.0
 * @category models
 */
export type Revision = store.Revision

/**
 * @since 0.1.0
 * @category models
 */
export type Scores = store.Scores

/**
 * The key a simulator accepts when none are configured.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_SIMULATOR_KEY = "sim-key"

/**
 * Where the virtual clock starts by default.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_START = "2026-01-01T00:00:00.000Z"

/**
 * The API path prefix of each revision.
 *
 * @since 0.1.0
 * @category constants
 */
export const PREFIXES: Readonly<Record<Revision, string>> = { crm: "/api/v1/crm", external: "/api/v1" }

/**
 * How a simulator behaves.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimulatorOptions {
  /** Keys it accepts (default: {@link DEFAULT_SIMULATOR_KEY}). */
  readonly keys?: ReadonlyArray<string>
  /**
   * `crm` (default): `/api/v1/crm`, accounts deduplicated by `externalId`; `external`: `/api/v1`,
   * by domain, and `POST /accounts` results shaped as seen live: `{ rtp_aid, domain, status }`
   * (+ `error`), without `externalId`.
   */
  readonly revision?: Revision
  /** `virtual` (default): starts at `start`, moves 1 ms per event and by `advance`; `system`: wall clock. */
  readonly clock?: ClockMode
  /** Start of the virtual clock (default {@link DEFAULT_START}). */
  readonly start?: Date | string
  /**
   * `reference` (default): as the docs describe the service. `observed`: as the live service was
   * seen to behave: times to the whole second, account writes listed by `GET /accounts` only after
   * a read lag, `Unauthorized access`, error bodies without `data`, the service's envelope for an
   * unknown route, a push `summary` without `updated`, and (CRM revision) `upsert` and `domains` refused.
   */
  readonly profile?: Profile
  /**
   * How long an account write takes to show in `GET /accounts`, in milliseconds (default 1000
   * under the `observed` profile, 0 under `reference`). Writes made before the first request
   * (seeding) show at once.
   */
  readonly readLagMillis?: number
  /**
   * 401 wording: `documented` (`X-Api-Key header is required` / `Invalid API key`) or `live`
   * (`Unauthorized access`); default: `live` under the `observed` profile, `documented` otherwise.
   */
  readonly unauthorized?: "documented" | "live"
  /** Journey-stage labels (default: Unaware, Aware, Consideration, Opportunity, Customer). */
  readonly journeyStages?: ReadonlyArray<string>
}

/**
 * An account to seed, as if it had been pushed (or found by Recotap, without `externalId`).
 *
 * @since 0.1.0
 * @category models
 */
export interface SeedAccount {
  readonly name: string
  readonly domain: string
  readonly externalId?: string | null
  readonly shortName?: string
  readonly linkedinUrl?: string
  readonly tags?: ReadonlyArray<string>
  readonly customFields?: Readonly<Record<string, unknown>>
  readonly scores?: Scores
}

/**
 * A segment to seed. `members` are domains of existing accounts.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeedSegment {
  readonly segmentId: string
  readonly name: string
  readonly type?: StoredSegment["type"]
  readonly status?: StoredSegment["status"]
  readonly members?: ReadonlyArray<string>
}

/**
 * A custom field to seed; its key is derived from the label as the API does.
 *
 * @since 0.1.0
 * @category models
 */
export interface SeedCustomField {
  readonly label: string
  readonly labelType: StoredCustomField["labelType"]
  readonly description?: string | null
  readonly options?: ReadonlyArray<string>
  readonly status?: StoredCustomField["status"]
}

/**
 * One request the simulator received. The key is kept `Redacted`.
 *
 * @since 0.1.0
 * @category models
 */
export interface RecordedRequest {
  readonly method: string
  readonly url: string
  readonly origin: string
  /** The matched route, e.g. `GET /accounts`; `undefined` for an unknown path. */
  readonly route: string | undefined
  readonly apiKey: Redacted.Redacted<string> | undefined
  readonly contentType: string | undefined
  /** The body as received (parsed when it was JSON). */
  readonly body: unknown
  /** When it arrived, by the wall clock (milliseconds since the epoch), whatever the simulator's own clock. */
  readonly receivedAt: number
}

/**
 * An account as stored, with what the API does not return.
 *
 * @since 0.1.0
 * @category models
 */
export type SimAccount = ReturnType<typeof accountView> & {
  readonly shortName?: string
  readonly linkedinUrl?: string
  readonly tags: ReadonlyArray<string>
  readonly updatedAt: string
}

interface Route {
  readonly method: string
  readonly path: string
  readonly handler: RouteHandler
}

const ROUTES: ReadonlyArray<Route> = [
  { method: "GET", path: "/accounts", handler: listAccounts },
  { method: "POST", path: "/accounts", handler: pushAccounts },
  { method: "PATCH", path: "/accounts/external-ids", handler: mapExternalIds },
  { method: "GET", path: "/accounts/missing-external-ids", handler: listUnmapped },
  { method: "GET", path: "/accounts/custom-fields", handler: listCustomFields },
  { method: "POST", path: "/accounts/custom-field", handler: createCustomField },
  { method: "PUT", path: "/accounts/:id", handler: updateAccount },
  { method: "POST", path: "/deals", handler: pushDeals },
  { method: "POST", path: "/deal-stages", handler: pushDealStages },
  { method: "GET", path: "/deal-stages", handler: listDealStages },
  { method: "POST", path: "/sales-activities", handler: pushSalesActivities },
  { method: "GET", path: "/segments", handler: listSegments },
  { method: "GET", path: "/journey-stages", handler: listJourneyStages }
]

const REASONS: Readonly<Record<number, string>> = {
  408: "Request Timeout",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout"
}

const htmlPage = (status: number) => {
  const title = `${status} ${REASONS[status] ?? "Error"}`
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
}

const copy = <A>(value: A): A => structuredClone(value)

const noFailure: ItemRule = () => undefined

/**
 * A simulated Recotap workspace.
 *
 * @since 0.1.0
 * @category models
 */
export class Simulator {
  /**
   * The API path prefix, `/api/v1/crm` or `/api/v1`.
   *
   * @since 0.1.0
   */
  readonly prefix: string
  /**
   * Fault injection: `sim.faults.script(route, ...faults)`, `sim.faults.always(route, fault)`.
   *
   * @since 0.1.0
   */
  readonly faults = new Faults()
  /**
   * How it behaves: as the docs say (`reference`) or as the live service was seen (`observed`).
   *
   * @since 0.1.0
   */
  readonly profile: Profile
  private readonly store: Store
  private readonly recorded: Array<RecordedRequest> = []
  private readonly unauthorized: "documented" | "live"
  private readonly itemFailures = new Map<string, ItemRule>()

  constructor(options: SimulatorOptions = {}) {
    const revision = options.revision ?? "crm"
    const start = new Date(options.start ?? DEFAULT_START).getTime()
    if (Number.isNaN(start)) throw new TypeError(`Invalid simulator start time: ${String(options.start)}`)
    this.profile = options.profile ?? "reference"
    const rules = PROFILES[this.profile]
    if (rules === undefined) throw new TypeError(`Unknown simulator profile: ${String(options.profile)}`)
    const lag = checkReadLag(options.readLagMillis ?? rules.readLagMillis)
    this.store = new Store(revision, options.clock ?? "virtual", start, rules, lag)
    this.prefix = PREFIXES[revision]
    this.unauthorized = options.unauthorized ?? rules.unauthorized
    for (const key of options.keys ?? [DEFAULT_SIMULATOR_KEY]) this.store.keys.add(key)
    if (options.journeyStages !== undefined) this.store.journeyStages = [...options.journeyStages]
  }

  /** The docs revision this simulator follows. */
  get revision(): Revision {
    return this.store.revision
  }

  // ---------------------------------------------------------------- clock and keys

  /**
   * The simulator's current time.
   *
   * @since 0.1.0
   */
  now(): Date {
    return new Date(this.store.peek())
  }

  /**
   * Moves the virtual clock forward (e.g. `"1 hour"`).
   *
   * @since 0.1.0
   */
  advance(duration: Duration.DurationInput): this {
    this.store.advance(Duration.toMillis(Duration.decode(duration)))
    return this
  }

  /**
   * How long an account write takes to show in `GET /accounts`, in milliseconds.
   *
   * @since 0.1.0
   */
  get readLagMillis(): number {
    return this.store.readLagMillis
  }

  /**
   * Sets how long the account writes made from now on take to show in `GET /accounts`, in
   * milliseconds (a write already made keeps the lag it was made with).
   *
   * @since 0.1.0
   */
  setReadLag(millis: number): this {
    this.store.readLagMillis = checkReadLag(millis)
    return this
  }

  /**
   * Accepts another key.
   *
   * @since 0.1.0
   */
  addKey(key: string): this {
    this.store.keys.add(key)
    return this
  }

  /**
   * Stops accepting a key (as regenerating it in Recotap does).
   *
   * @since 0.1.0
   */
  revokeKey(key: string): this {
    this.store.keys.delete(key)
    return this
  }

  // ---------------------------------------------------------------- seeding

  /**
   * Adds accounts directly, with optional scores. Domains are normalised as the API does. Once
   * the simulator has answered a request, `GET /accounts` lists them only after the read lag.
   *
   * @since 0.1.0
   */
  seedAccounts(accounts: ReadonlyArray<SeedAccount>): ReadonlyArray<SimAccount> {
    return accounts.map((seed) => {
      const account = this.store.createAccount({
        externalId: seed.externalId ?? null,
        name: seed.name,
        domain: normalizeDomain(seed.domain),
        shortName: seed.shortName,
        linkedinUrl: seed.linkedinUrl,
        tags: seed.tags,
        customFields: seed.customFields,
        scores: seed.scores
      })
      return this.view(account)
    })
  }

  /**
   * Adds segments (static and active unless said otherwise).
   *
   * @since 0.1.0
   */
  seedSegments(segments: ReadonlyArray<SeedSegment>): this {
    for (const seed of segments) {
      const members = (seed.members ?? []).map((domain) => this.find(domain).rtp_aid)
      this.store.segments.set(seed.segmentId, {
        segmentId: seed.segmentId,
        name: seed.name,
        type: seed.type ?? "static",
        status: seed.status ?? "active",
        members
      })
    }
    return this
  }

  /**
   * Adds custom-field definitions (active unless said otherwise).
   *
   * @since 0.1.0
   */
  seedCustomFields(fields: ReadonlyArray<SeedCustomField>): this {
    for (const seed of fields) this.store.defineCustomField(seed)
    return this
  }

  /**
   * Replaces the journey-stage labels.
   *
   * @since 0.1.0
   */
  setJourneyStages(stages: ReadonlyArray<string>): this {
    this.store.journeyStages = [...stages]
    return this
  }

  /**
   * Sets an account's `rtp_*` fields, as Recotap's scheduled scoring does: the account counts as
   * updated now (so the next delta sync returns it, once the read lag has passed) and
   * `rtp_last_account_date` moves to now.
   * `ref` is a domain, an `rtp_aid` or an `externalId`.
   *
   * @since 0.1.0
   */
  setScores(ref: string, scores: Scores): SimAccount {
    const account = this.find(ref)
    this.store.update(account, (changed, at) => {
      Object.assign(changed, scores)
      changed.rtp_last_account_date = this.store.dateText(at)
    })
    return this.view(account)
  }

  // ---------------------------------------------------------------- failing items

  /**
   * Makes chosen items of a bulk push fail, as the live service fails items it cannot process.
   * For every item of a request to `route` that passed validation, `rule` gets a copy of the item
   * as sent; when it returns a message, that item comes back `{ ..., status: "failed", error:
   * message }`, is not stored (nor added to a segment) and counts in `summary.failed`; the other
   * items are processed normally. A new rule for a route replaces the previous one; it stays
   * until {@link Simulator.clearItemFailures}.
   *
   * @example
   * ```ts
   * import { Simulator } from "effect-recotap/simulator"
   *
   * const sim = new Simulator()
   * sim.failItems("POST /deals", (deal) => deal["amount"] === 0 ? "amount must be positive" : undefined)
   * ```
   *
   * @since 0.1.0
   */
  failItems(route: ItemRoute, rule: ItemRule): this {
    if (!ITEM_ROUTES.includes(route)) {
      throw new TypeError(`Items can be failed on ${ITEM_ROUTES.join(", ")}; not on ${String(route)}`)
    }
    this.itemFailures.set(route, rule)
    return this
  }

  /**
   * Stops failing items injected with {@link Simulator.failItems}: on one route, or on all when none is given.
   *
   * @since 0.1.0
   */
  clearItemFailures(route?: ItemRoute): this {
    if (route === undefined) this.itemFailures.clear()
    else this.itemFailures.delete(route)
    return this
  }

  // ---------------------------------------------------------------- reading back

  /**
   * Every account, in keyset order.
   *
   * @since 0.1.0
   */
  accounts(): ReadonlyArray<SimAccount> {
    return this.store.sortedAccounts().map((a) => this.view(a))
  }

  /**
   * One account by domain, `rtp_aid` or `externalId`; throws when there is none.
   *
   * @since 0.1.0
   */
  account(ref: string): SimAccount {
    return this.view(this.find(ref))
  }

  /**
   * Every segment, with its members' domains.
   *
   * @since 0.1.0
   */
  segments(): ReadonlyArray<Omit<StoredSegment, "members"> & { readonly members: ReadonlyArray<string> }> {
    return [...this.store.segments.values()].map((s) => ({
      ...copy(s),
      members: s.members.map((id) => this.store.accounts.get(id)?.domain ?? id)
    }))
  }

  /**
   * Every custom-field definition, inactive ones included.
   *
   * @since 0.1.0
   */
  customFields(): ReadonlyArray<StoredCustomField> {
    return [...this.store.customFields.values()].map(customFieldView)
  }

  /**
   * Every pipeline.
   *
   * @since 0.1.0
   */
  pipelines(): ReadonlyArray<StoredPipeline> {
    return copy([...this.store.pipelines.values()])
  }

  /**
   * Every deal as last pushed, with `linkedAccounts` (the `rtp_aid`s its associated domains matched).
   *
   * @since 0.1.0
   */
  deals(): ReadonlyArray<Readonly<Record<string, unknown>>> {
    return [...this.store.deals.values()].map((d) => copy(d.fields))
  }

  /**
   * Every sales activity created.
   *
   * @since 0.1.0
   */
  activities(): ReadonlyArray<Readonly<Record<string, unknown>>> {
    return [...this.store.activities.values()].map((a) => copy(a.fields))
  }

  /** Every request received, oldest first. */
  get requests(): ReadonlyArray<RecordedRequest> {
    return this.recorded
  }

  /**
   * Forgets the recorded requests.
   *
   * @since 0.1.0
   */
  clearRequests(): this {
    this.recorded.length = 0
    return this
  }

  // ---------------------------------------------------------------- serving

  /**
   * Answers one request. Transports realise the reply (delay, reset, truncation).
   *
   * @since 0.1.0
   */
  reply(request: SimRequest): Reply {
    this.store.serving = true
    const where: Where = {
      timestamp: new Date(this.store.recorded(this.store.tick())).toISOString(),
      path: request.url.pathname,
      rules: this.store.rules
    }
    const route = this.match(request.method, request.url.pathname)
    const body = this.readBody(request)
    this.recorded.push({
      method: request.method,
      url: request.url.toString(),
      origin: request.url.origin,
      route: route === undefined ? undefined : `${route.route.method} ${route.route.path}`,
      apiKey: request.headers["x-api-key"] === undefined ? undefined : Redacted.make(request.headers["x-api-key"]),
      contentType: request.headers["content-type"],
      body: body.ok ? body.value : request.body,
      receivedAt: Date.now()
    })
    if (route === undefined) return noRoute(where, request.method)

    const routeName = `${route.route.method} ${route.route.path}`
    const fault = this.faults.take(routeName)
    const early = fault === undefined ? undefined : this.unprocessed(fault, request, where)
    if (early !== undefined) return early

    const answer = this.authenticate(request, where) ??
      (body.ok
        ? route.route.handler({
          store: this.store,
          where,
          query: request.url.searchParams,
          body: body.value,
          param: route.param,
          failItem: this.failItemOn(routeName)
        })
        : refuse(where, 400, `Request body is not valid JSON: ${body.error}`))
    return fault === undefined ? answer : this.mangled(fault, answer)
  }

  /**
   * The injected failure rule of a route, given a copy of each item so that it cannot change what is stored.
   *
   * @internal
   */
  private failItemOn(routeName: string): ItemRule {
    const rule = this.itemFailures.get(routeName)
    return rule === undefined ? noFailure : (item) => rule(copy(item))
  }

  /**
   * @internal
   */
  private match(method: string, pathname: string): { readonly route: Route; readonly param: string } | undefined {
    if (!pathname.startsWith(`${this.prefix}/`)) return undefined
    const path = pathname.slice(this.prefix.length).replace(/\/+$/, "")
    const exact = ROUTES.find((r) => r.method === method && r.path === path)
    if (exact !== undefined) return { route: exact, param: "" }
    const param = /^\/accounts\/([^/]+)$/.exec(path)
    const update = ROUTES.find((r) => r.method === method && r.path === "/accounts/:id")
    return param !== null && update !== undefined ? { route: update, param: param[1]! } : undefined
  }

  /**
   * Like a JSON body parser: only a JSON content type is parsed; anything else leaves `{}`.
   *
   * @internal
   */
  private readBody(
    request: SimRequest
  ): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: string } {
    const isJson = (request.headers["content-type"] ?? "").toLowerCase().includes("application/json")
    if (!isJson || request.body.trim() === "") return { ok: true, value: {} }
    try {
      return { ok: true, value: JSON.parse(request.body) }
    } catch (error) {
      return { ok: false, error: error instanceof Error ? error.message : String(error) }
    }
  }

  /**
   * @internal
   */
  private authenticate(request: SimRequest, where: Where): Respond | undefined {
    const key = request.headers["x-api-key"]
    if (isNonEmptyString(key) && this.store.keys.has(key)) return undefined
    if (this.unauthorized === "live") {
      return json(401, {
        statusCode: 401,
        timestamp: where.timestamp,
        path: where.path,
        message: "Unauthorized access"
      })
    }
    return refuse(where, 401, isNonEmptyString(key) ? "Invalid API key" : "X-Api-Key header is required")
  }

  /**
   * Faults that answer instead of the API: the request is not processed.
   *
   * @internal
   */
  private unprocessed(fault: Fault, request: SimRequest, where: Where): Reply | undefined {
    switch (fault._tag) {
      case "Status":
        return fault.body === undefined
          ? json(fault.status, {
            statusCode: fault.status,
            timestamp: where.timestamp,
            path: where.path,
            message: REASONS[fault.status] ?? "Error"
          })
          : {
            _tag: "Respond",
            status: fault.status,
            headers: { "content-type": "text/plain" },
            body: fault.body,
            delayMillis: 0
          }
      case "RateLimited":
        return json(429, { statusCode: 429, timestamp: where.timestamp, path: where.path, message: REASONS[429] }, {
          "retry-after": typeof fault.retryAfter === "number"
            ? String(fault.retryAfter)
            : fault.retryAfter.toUTCString()
        })
      case "Html":
        return {
          _tag: "Respond",
          status: fault.status,
          headers: { "content-type": "text/html" },
          body: htmlPage(fault.status),
          delayMillis: 0
        }
      case "Redirect": {
        const origin = fault.origin === "same" ? request.url.origin : fault.origin
        return {
          _tag: "Respond",
          status: fault.status,
          headers: { location: `${origin}${request.url.pathname}${request.url.search}` },
          body: "",
          delayMillis: 0
        }
      }
      case "Reset":
        return { _tag: "Reset", delayMillis: 0 }
      default:
        return undefined
    }
  }

  /**
   * Faults that change how a processed answer arrives.
   *
   * @internal
   */
  private mangled(fault: Fault, answer: Respond): Reply {
    switch (fault._tag) {
      case "Latency":
        return { ...answer, delayMillis: answer.delayMillis + fault.millis }
      case "Truncated":
        return { ...answer, _tag: "Truncated" }
      case "MalformedJson":
        return { ...answer, body: answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))) }
      case "Oversized":
        // Trailing white space keeps the JSON valid while making it as large as asked.
        return { ...answer, body: answer.body + " ".repeat(Math.max(0, fault.bytes - answer.body.length)) }
      default:
        return answer
    }
  }

  /**
   * @internal
   */
  private find(ref: string): StoredAccount {
    const account = this.store.accounts.get(ref) ?? this.store.findByDomain(normalizeDomain(ref)) ??
      this.store.findByExternalId(ref)
    if (account === undefined) throw new Error(`The simulator has no account "${ref}"`)
    return account
  }

  /**
   * @internal
   */
  private view(account: StoredAccount): SimAccount {
    return {
      ...accountView(account),
      ...(account.shortName === undefined ? {} : { shortName: account.shortName }),
      ...(account.linkedinUrl === undefined ? {} : { linkedinUrl: account.linkedinUrl }),
      tags: [...account.tags],
      updatedAt: new Date(account.updatedAt).toISOString()
    }
  }
}
