/** Accounts: pull (with delta sync), push, update custom fields, map external IDs, list unmapped. */
import type { Call } from "./call.js"
import { normalizeDomain } from "./domains.js"
import { keysetPage, readLimit } from "./paging.js"
import type { Respond } from "./reply.js"
import {
  checkList,
  isIso8601,
  isNonEmptyString,
  isObject,
  type JsonObject,
  optionalString,
  optionalTextOf,
  requireString,
  textListOf,
  textOf
} from "./rules.js"
import type { Store, StoredAccount } from "./store.js"
import { Checks, invalid, ok, refuse } from "./wire.js"

/** Most accounts in one push, mappings in one PATCH, domains in one filter. */
export const MAX_ACCOUNTS = 100
export const MAX_MAPPINGS = 100
export const MAX_DOMAINS = 100

/** An account as `GET /accounts` returns it. */
export const accountView = (account: StoredAccount) => ({
  externalId: account.externalId,
  name: account.name,
  domain: account.domain,
  rtp_aid: account.rtp_aid,
  rtp_account_score: account.rtp_account_score,
  rtp_journey_stage: account.rtp_journey_stage,
  rtp_advertising_activity_score: account.rtp_advertising_activity_score,
  rtp_website_intent_score: account.rtp_website_intent_score,
  rtp_g2_intent_score: account.rtp_g2_intent_score,
  rtp_bombora_intent_score: account.rtp_bombora_intent_score,
  rtp_last_account_date: account.rtp_last_account_date,
  customFields: { ...account.customFields }
})

const unknownKeys = (store: Store, customFields: unknown): ReadonlyArray<string> => {
  if (!isObject(customFields)) return []
  const active = store.activeFieldKeys()
  return Object.keys(customFields).filter((key) => !active.has(key))
}

/**
 * The instant of an ISO 8601 text that passed the check, in millis. `Date.parse` reads only
 * some of the forms the check accepts: a space separator, a lower-case `z` and an hours-only
 * offset are rewritten first; a form it still cannot read (a week or ordinal date) filters
 * from the start of time rather than hiding every account.
 */
const instantOf = (text: string): number => {
  const rewritten = text.replace(/^(\d{4}-\d{2}-\d{2}) /, "$1T").replace(/z$/, "Z").replace(
    /(T[\d:.]+[+-]\d{2})$/,
    "$1:00"
  )
  const millis = Date.parse(rewritten)
  return Number.isNaN(millis) ? Number.NEGATIVE_INFINITY : millis
}

/** The CRM revision documents neither `upsert` nor `domains`; a profile may refuse them as a whitelisting validator does. */
const refusesUndocumented = (store: Store): boolean => store.revision === "crm" && store.rules.crmRefusesUndocumented

/**
 * GET /accounts: keyset pages, `lastSync` filter, `domains` filter, over the accounts as they were
 * a read lag ago (the writes since are not shown yet).
 */
export const listAccounts = ({ query, store, where }: Call): Respond => {
  const checks = new Checks()
  const limit = readLimit(checks, query)
  const lastSync = query.get("lastSync")
  if (lastSync !== null && !isIso8601(lastSync)) {
    checks.fail("lastSync", "isIso8601", "lastSync must be a valid ISO 8601 date string")
  }
  let domains: ReadonlySet<string> | undefined
  const domainsText = query.get("domains")
  if (domainsText !== null && refusesUndocumented(store)) {
    checks.fail("domains", "whitelistValidation", "property domains should not exist")
  } else if (domainsText !== null) {
    let parsed: unknown
    try {
      parsed = JSON.parse(domainsText)
    } catch {
      parsed = undefined
    }
    if (!Array.isArray(parsed) || !parsed.every((d) => typeof d === "string")) {
      checks.fail("domains", "isJsonArray", "domains must be a JSON array of strings")
    } else if (parsed.length > MAX_DOMAINS) {
      checks.fail("domains", "arrayMaxSize", `domains must contain no more than ${MAX_DOMAINS} elements`)
    } else {
      domains = new Set(parsed.map(normalizeDomain))
    }
  }
  if (!checks.passed) return invalid(where, checks.violations)

  // Recorded instants are compared: to the whole second when the service records whole seconds.
  const since = lastSync === null ? undefined : store.recorded(instantOf(lastSync))
  const matching = store.listed().filter((account) =>
    (since === undefined || account.updatedAt > since) && (domains === undefined || domains.has(account.domain))
  )
  const page = keysetPage(matching, (a) => a.rtp_aid, query.get("cursor"), limit)
  return ok(where, { ...page, data: page.data.map(accountView), syncTimestamp: where.timestamp })
}

const checkAccount = (checks: Checks, store: Store, item: JsonObject, path: string): void => {
  if (store.revision === "crm") {
    if (typeof item["externalId"] !== "string") {
      checks.fail(`${path}externalId`, "isString", "externalId must be a string")
    }
  } else {
    optionalString(checks, item, path, "externalId")
  }
  requireString(checks, item, path, "domain")
  requireString(checks, item, path, "name")
  optionalString(checks, item, path, "shortName")
  optionalString(checks, item, path, "linkedinUrl")
  const tags = item["tags"]
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
    checks.fail(`${path}tags`, "isString", "each value in tags must be a string")
  }
  if (item["customFields"] !== undefined && !isObject(item["customFields"])) {
    checks.fail(`${path}customFields`, "isObject", "customFields must be an object")
  }
}

const segmentProblem = (store: Store, segmentId: string): string | undefined => {
  const segment = store.segments.get(segmentId)
  if (segment === undefined) return `Segment '${segmentId}' not found`
  if (segment.type !== "static") return `Segment '${segmentId}' is not a static segment and cannot accept new members`
  if (segment.status !== "active" && segment.status !== "draft") {
    return `Segment '${segmentId}' is not active or draft and cannot accept new members`
  }
  return undefined
}

type PushOutcome =
  | { readonly status: "created" | "updated"; readonly account: StoredAccount }
  | { readonly status: "failed"; readonly error: string; readonly account?: StoredAccount }

const applyFields = (store: Store, account: StoredAccount, item: JsonObject, domain: string | undefined) =>
  store.update(account, () => {
    account.name = textOf(item, "name")
    if (domain !== undefined) store.setDomain(account, domain)
    if (typeof item["externalId"] === "string") store.setExternalId(account, item["externalId"])
    if (typeof item["shortName"] === "string") account.shortName = item["shortName"]
    if (typeof item["linkedinUrl"] === "string") account.linkedinUrl = item["linkedinUrl"]
    const tags = textListOf(item, "tags")
    if (tags !== undefined) account.tags = tags
    if (isObject(item["customFields"])) Object.assign(account.customFields, item["customFields"])
  })

const pushOne = (store: Store, item: JsonObject, upsert: boolean): PushOutcome => {
  const domain = normalizeDomain(textOf(item, "domain"))
  const unknown = unknownKeys(store, item["customFields"])
  if (unknown.length > 0) {
    return {
      status: "failed",
      error: `Custom field key(s) not found: ${unknown.join(", ")}. Unable to add this account.`
    }
  }
  const byDomain = store.findByDomain(domain)
  if (store.revision === "crm") {
    // CRM revision: externalId is the dedup key.
    const externalId = textOf(item, "externalId")
    const existing = store.findByExternalId(externalId)
    if (existing !== undefined) {
      if (!upsert) {
        return { status: "failed", error: `Account with externalId '${externalId}' already exists`, account: existing }
      }
      if (byDomain !== undefined && byDomain !== existing) {
        return { status: "failed", error: `Account with domain '${domain}' already exists`, account: existing }
      }
      applyFields(store, existing, item, domain)
      return { status: "updated", account: existing }
    }
    if (byDomain !== undefined) {
      return {
        status: "failed",
        error: `Account with domain '${domain}' already exists. Use PUT /accounts/${
          byDomain.externalId ?? byDomain.rtp_aid
        } to update it.`,
        account: byDomain
      }
    }
  } else if (byDomain !== undefined) {
    // External revision: the domain is the dedup key, and cannot be changed by an upsert.
    if (!upsert) {
      return {
        status: "failed",
        error: `Account with domain '${domain}' already exists. Use PUT /accounts/${byDomain.rtp_aid} to update it.`,
        account: byDomain
      }
    }
    applyFields(store, byDomain, item, undefined)
    return { status: "updated", account: byDomain }
  }
  const account = store.createAccount({
    externalId: typeof item["externalId"] === "string" ? item["externalId"] : null,
    name: textOf(item, "name"),
    domain,
    shortName: optionalTextOf(item, "shortName"),
    linkedinUrl: optionalTextOf(item, "linkedinUrl"),
    tags: textListOf(item, "tags"),
    customFields: isObject(item["customFields"]) ? item["customFields"] : undefined
  })
  return { status: "created", account }
}

/**
 * One item of a `POST /accounts` answer. The CRM revision names the item by the `externalId` it
 * was sent with; the External revision answers as the live service was seen to ([3P], §2.2):
 * `{ rtp_aid, domain, status }`, plus `error` on a failed item, and no `externalId` key at all.
 * `domain` is the normalised domain, so a client must match results by the same normalisation.
 */
const pushResult = (store: Store, item: JsonObject, outcome: PushOutcome) => {
  const common = {
    rtp_aid: outcome.status === "failed" ? (outcome.account?.rtp_aid ?? null) : outcome.account.rtp_aid,
    domain: normalizeDomain(textOf(item, "domain")),
    status: outcome.status,
    ...(outcome.status === "failed" ? { error: outcome.error } : {})
  }
  if (store.revision === "external") return common
  const given = item["externalId"]
  return { externalId: typeof given === "string" ? given : null, ...common }
}

/** POST /accounts: up to 100 accounts, per-item outcomes, optional segment and upsert. */
export const pushAccounts = ({ body, failItem, store, where }: Call): Respond => {
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  // The docs give one message for an empty or a missing list.
  const accounts = checkList(
    checks,
    request,
    "",
    "accounts",
    MAX_ACCOUNTS,
    (item, path) => checkAccount(checks, store, item, path),
    "accounts must be an array"
  )
  optionalString(checks, request, "", "segmentId")
  if (request["upsert"] !== undefined && refusesUndocumented(store)) {
    checks.fail("upsert", "whitelistValidation", "property upsert should not exist")
  } else if (request["upsert"] !== undefined && typeof request["upsert"] !== "boolean") {
    checks.fail("upsert", "isBoolean", "upsert must be a boolean value")
  }
  if (!checks.passed || accounts === undefined) return invalid(where, checks.violations)

  const segmentId = optionalTextOf(request, "segmentId")
  if (segmentId !== undefined) {
    const problem = segmentProblem(store, segmentId)
    if (problem !== undefined) return refuse(where, 400, problem)
  }
  const upsert = request["upsert"] === true
  const results = accounts.map((item) => {
    const injected = failItem(item)
    const outcome: PushOutcome = injected === undefined
      ? pushOne(store, item, upsert)
      : { status: "failed", error: injected }
    if (outcome.status !== "failed" && segmentId !== undefined) {
      const members = store.segments.get(segmentId)!.members
      if (!members.includes(outcome.account.rtp_aid)) members.push(outcome.account.rtp_aid)
    }
    return pushResult(store, item, outcome)
  })
  const count = (status: string) => results.filter((r) => r.status === status).length
  const updated = store.rules.summaryCountsUpdated ? { updated: count("updated") } : {}
  return ok(where, {
    results,
    summary: { total: results.length, created: count("created"), ...updated, failed: count("failed") }
  })
}

/**
 * PUT /accounts/:id: merges custom fields into one account. The docs of both revisions accept
 * nothing else; the External revision answers as the live service was seen to (§2.3 [3P]): it
 * takes `name` and `tags` too (tags replacing the account's, as a push does).
 */
export const updateAccount = ({ body, param, store, where }: Call): Respond => {
  const id = decodeURIComponent(param)
  if (store.revision === "external" && !/^[0-9a-fA-F]{24}$/.test(id)) {
    return refuse(where, 400, `Invalid rtp_aid: '${id}'`)
  }
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  const accepted = store.revision === "external" ? ["customFields", "name", "tags"] : ["customFields"]
  for (const property of Object.keys(request)) {
    if (!accepted.includes(property)) {
      checks.fail(property, "whitelistValidation", `property ${property} should not exist`)
    }
  }
  if (request["customFields"] !== undefined && !isObject(request["customFields"])) {
    checks.fail("customFields", "isObject", "customFields must be an object")
  }
  if (store.revision === "external") {
    if (request["name"] !== undefined) requireString(checks, request, "", "name")
    const tags = request["tags"]
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
      checks.fail("tags", "isString", "each value in tags must be a string")
    }
  }
  if (!checks.passed) return invalid(where, checks.violations)

  // Recotap IDs are hexadecimal: either case names the same account.
  const account = store.revision === "crm" ? store.findByExternalId(id) : store.accounts.get(id.toLowerCase())
  if (account === undefined) {
    return refuse(
      where,
      404,
      store.revision === "crm" ? `Account with externalId '${id}' not found` : `Account '${id}' not found`
    )
  }
  const unknown = unknownKeys(store, request["customFields"])
  if (unknown.length > 0) return refuse(where, 400, `Custom field key(s) not found: ${unknown.join(", ")}`)
  const name = request["name"]
  const tags = textListOf(request, "tags")
  const customFields = request["customFields"]
  if (name !== undefined || tags !== undefined || isObject(customFields)) {
    store.update(account, () => {
      if (typeof name === "string") account.name = name
      if (tags !== undefined) account.tags = tags
      if (isObject(customFields)) Object.assign(account.customFields, customFields)
    })
  }
  return ok(where, { message: "Account updated successfully" })
}

/** PATCH /accounts/external-ids: writes external IDs onto accounts found by domain; the last mapping of a domain wins. */
export const mapExternalIds = ({ body, store, where }: Call): Respond => {
  const checks = new Checks()
  const request = isObject(body) ? body : {}
  const mappings = checkList(checks, request, "", "mappings", MAX_MAPPINGS, (item, path) => {
    requireString(checks, item, path, "domain")
    requireString(checks, item, path, "externalId")
  })
  if (!checks.passed || mappings === undefined) return invalid(where, checks.violations)

  const lastWins = new Map<string, { readonly given: string; readonly externalId: string }>()
  for (const item of mappings) {
    const given = textOf(item, "domain")
    lastWins.set(normalizeDomain(given), { given, externalId: textOf(item, "externalId") })
  }
  let matched = 0
  const notFound: Array<string> = []
  for (const [domain, mapping] of lastWins) {
    const account = store.findByDomain(domain)
    if (account === undefined) {
      notFound.push(mapping.given)
      continue
    }
    matched += 1
    store.update(account, () => store.setExternalId(account, mapping.externalId))
  }
  return ok(where, { matched, updated: matched, notFound })
}

/** GET /accounts/missing-external-ids: accounts without an external ID, `limit` only, a plain array. */
export const listUnmapped = ({ query, store, where }: Call): Respond => {
  const checks = new Checks()
  const limit = readLimit(checks, query)
  if (!checks.passed) return invalid(where, checks.violations)
  const unmapped = store.sortedAccounts().filter((a) => !isNonEmptyString(a.externalId)).slice(0, limit)
  return ok(where, unmapped.map((a) => ({ name: a.name, domain: a.domain })))
}
