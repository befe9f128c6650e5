/**
 * How each resource is written and its unknown items reconciled, for `BulkSettle` (see `src/BulkSettle.ts`).
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import type { Account, AccountInput, AccountPushResult, Accounts, PushAccountsOptions } from "../Account.js"
import type { BulkOptions } from "../Bulk.js"
import type { SettleAccountsOptions, SettleOptions } from "../BulkSettle.js"
import type { DealPipeline, DealPipelineInput, DealPipelineResult } from "../DealStage.js"
import { normalizeDomain } from "../Domain.js"
import type { Revision } from "../RecotapConfig.js"
import type { RecotapCrmService } from "../RecotapCrm.js"
import type { ReadError, TransportError } from "../RecotapError.js"
import { domainKey } from "./accountWrites.js"
import type { ReadBackItem, Resource, Verdict } from "./settle.js"

/** A refusal saying the record exists already (accounts, activities, pipelines). */
export const DUPLICATE = /already exist|duplicate/i

export const bulkOptions = (options: BulkOptions): BulkOptions =>
  options.concurrency === undefined ? {} : { concurrency: options.concurrency }

const readFailed = <A>(items: ReadonlyArray<A>, error: TransportError): ReadonlyArray<Verdict> =>
  items.map(() => ({ found: "ReadFailed", detail: `the read-back failed: ${error.message}` }))

// --- accounts -------------------------------------------------------------------------------

/** Names compared as the live service may return them: case and spacing aside. */
const nameKey = (name: string) => name.trim().replace(/\s+/g, " ").toLowerCase()

const describeAccount = (account: Account) =>
  `rtp_aid ${account.rtp_aid}, domain ${account.domain}, name ${
    account.name === undefined ? "unreadable" : JSON.stringify(account.name)
  }` +
  (account.externalId === undefined ? "" : `, externalId ${JSON.stringify(account.externalId)}`)

/** What was read back: the accounts under the keys asked for, and records under them that could not be read. */
interface Held {
  readonly accounts: Array<Account>
  readonly malformed: Array<Readonly<Record<string, unknown>>>
}

/** Keeps, from pages, what concerns the given domain keys and external IDs. */
const collect = (
  pages: Stream.Stream<Accounts, ReadError>,
  domains: ReadonlySet<string>,
  ids: ReadonlySet<string>
): Effect.Effect<Held, ReadError> =>
  Stream.runFold(pages, { accounts: [], malformed: [] } as Held, (held, page) => {
    for (const account of page.data) {
      if (domains.has(domainKey(account.domain)) || (account.externalId !== undefined && ids.has(account.externalId))) {
        held.accounts.push(account)
      }
    }
    for (const record of page.malformed) {
      const raw = typeof record.raw === "object" && record.raw !== null ? record.raw as Record<string, unknown> : {}
      const domain = raw["domain"]
      const id = raw["externalId"]
      if ((typeof domain === "string" && domains.has(domainKey(domain))) || (typeof id === "string" && ids.has(id))) {
        held.malformed.push(raw)
      }
    }
    return held
  })

/**
 * Whether Recotap holds `input`: an account with its domain, its name and (given) its external ID.
 * `idIsKey` (CRM revision): another account holding its external ID also proves it was not applied.
 */
const judgeAccount = (input: AccountInput, held: Held, idIsKey: boolean): Verdict => {
  const key = domainKey(input.domain)
  const id = input.externalId
  const sameDomain = (account: Account) => domainKey(account.domain) === key
  const sameId = (account: Account) =>
    id === undefined || account.externalId === id || (!idIsKey && account.externalId === undefined)
  const ours = held.accounts.find((account) =>
    sameDomain(account) && sameId(account) && account.name !== undefined &&
    nameKey(account.name) === nameKey(input.name)
  )
  if (ours !== undefined) return { found: "Applied", detail: `read back: Recotap holds ${describeAccount(ours)}` }
  const unreadable = held.malformed.find((raw) =>
    (typeof raw["domain"] === "string" && domainKey(raw["domain"]) === key) ||
    (idIsKey && id !== undefined && raw["externalId"] === id)
  )
  if (unreadable !== undefined) {
    return { found: "Unreadable", detail: "Recotap holds an account under its key that could not be read" }
  }
  // Its name could not be read (see `Account.issues`): whether it is ours cannot be told.
  if (held.accounts.some((account) => sameDomain(account) && sameId(account) && account.name === undefined)) {
    return { found: "Unreadable", detail: "Recotap holds an account under its key whose name could not be read" }
  }
  const other = held.accounts.find((account) =>
    sameDomain(account) || (idIsKey && id !== undefined && account.externalId === id)
  )
  if (other !== undefined) {
    return { found: "Conflict", detail: `Recotap holds another account under its key: ${describeAccount(other)}` }
  }
  return { found: "Absent", detail: "not among the accounts read back" }
}

const MAX_DOMAINS_PER_READ = 100
/** How far before the server's `syncTimestamp` a delta read starts: clocks of several servers may differ a little. */
const CHECKPOINT_MARGIN = { minutes: 1 } as const

export const accountsResource = (
  crm: RecotapCrmService,
  options: SettleAccountsOptions,
  revision: Revision
): Resource<AccountInput, AccountPushResult> => {
  const pushOptions: PushAccountsOptions = {
    ...bulkOptions(options),
    ...(options.segmentId === undefined ? {} : { segmentId: options.segmentId }),
    ...(options.upsert === undefined ? {} : { upsert: options.upsert })
  }
  const push = (items: ReadonlyArray<AccountInput>) => crm.accounts.push(items, pushOptions)
  // An upsert can be sent again; a plain create is read back first.
  if (options.upsert === true) return { operation: "accounts.push", push, unknown: "resend" }

  // By domain where the client has the filter (External); otherwise by a delta read.
  let mode: "domains" | "delta" = revision === "external" ? "domains" : "delta"

  const deltaRead = (items: ReadonlyArray<ReadBackItem<AccountInput>>) => {
    // One read for all: from the earliest doubt; from the start when one has no checkpoint.
    let since: DateTime.Utc | undefined = items[0]?.since
    for (const item of items) {
      if (item.since === undefined) {
        since = undefined
        break
      }
      if (since !== undefined && DateTime.lessThan(item.since, since)) since = item.since
    }
    const domains = new Set(items.map((item) => domainKey(item.input.domain)))
    const ids = new Set(items.flatMap((item) => (item.input.externalId === undefined ? [] : [item.input.externalId])))
    return collect(crm.accounts.pages(since === undefined ? {} : { lastSync: since }), domains, ids).pipe(
      // Read by delta: the client speaks the CRM revision, where the external ID is a key too.
      Effect.map((held) => items.map((item) => judgeAccount(item.input, held, true))),
      Effect.catchTag("TransportError", (error) => Effect.succeed(readFailed(items, error)))
    )
  }

  const domainRead = (items: ReadonlyArray<ReadBackItem<AccountInput>>) =>
    Effect.gen(function*() {
      const domains = [...new Set(items.map((item) => normalizeDomain(item.input.domain)).filter((d) => d !== ""))]
      const keys = new Set(items.map((item) => domainKey(item.input.domain)))
      const held: Held = { accounts: [], malformed: [] }
      // The domains whose read failed, and why: their items stay unknown; the others are judged.
      const failed = new Map<string, TransportError>()
      for (let start = 0; start < domains.length; start += MAX_DOMAINS_PER_READ) {
        const chunk = domains.slice(start, start + MAX_DOMAINS_PER_READ)
        const read = yield* collect(crm.accounts.pages({ domains: chunk }), keys, new Set()).pipe(Effect.either)
        if (read._tag === "Right") {
          held.accounts.push(...read.right.accounts)
          held.malformed.push(...read.right.malformed)
        } else if (read.left._tag !== "TransportError") {
          return yield* Effect.fail(read.left)
        } else if (read.left.reason === "InvalidRequest") {
          // The client refuses the filter (it speaks the CRM revision): read by delta instead.
          return "refused" as const
        } else {
          for (const domain of chunk) failed.set(domain, read.left)
        }
      }
      return items.map((item): Verdict => {
        const error = failed.get(normalizeDomain(item.input.domain))
        return error === undefined ? judgeAccount(item.input, held, false) : readFailed([item], error)[0]!
      })
    })

  return {
    operation: "accounts.push",
    push,
    unknown: "readBack",
    // Sent again after an unknown outcome and refused as existing: read back again to see whose it is.
    rejection: (rejected, inDoubt) =>
      inDoubt && rejected.status === "failed" && DUPLICATE.test(rejected.error) ? "readBack" : "final",
    // The server's own time, just before the write: what a delta read of its effects starts from.
    checkpoint: Effect.suspend(() =>
      mode === "domains"
        ? Effect.succeed(undefined)
        : crm.accounts.list({ limit: 1 }).pipe(
          Effect.map((page) =>
            page.syncTimestamp === undefined ? undefined : DateTime.subtract(page.syncTimestamp, CHECKPOINT_MARGIN)
          ),
          Effect.catchTag("TransportError", () => Effect.succeed(undefined))
        )
    ),
    readBack: (items) =>
      Effect.gen(function*() {
        if (mode === "domains") {
          const verdicts = yield* domainRead(items)
          if (verdicts !== "refused") return verdicts
          mode = "delta"
        }
        return yield* deltaRead(items)
      })
  }
}

// --- deal stages ----------------------------------------------------------------------------

/** The pipeline IDs a 409 names (`Pipeline(s) already exist: a, b. Use the update endpoint ...`). */
const namedPipelines = (error: string): ReadonlySet<string> | undefined => {
  // The last "already exist(s):": the client's own prefix ("Recotap record already exists: ...") comes first.
  const match = /^.*already exists?:\s*(.+)$/is.exec(error)
  if (match === null) return undefined
  const list = match[1]!.replace(/\.\s+Use the update endpoint.*$/i, "")
  const names = list.split(",").map((name) => name.trim()).filter((name) => name !== "")
  return names.length === 0 ? undefined : new Set(names)
}

const sameIds = (a: ReadonlyArray<string>, b: ReadonlyArray<string>) =>
  a.length === b.length && [...a].sort().join("\u0000") === [...b].sort().join("\u0000")

/** Whether the listed pipelines hold `input`: its ID, and its label and stage IDs as far as the list shows them. */
const judgePipeline = (input: DealPipelineInput, listed: ReadonlyArray<DealPipeline>): Verdict => {
  const found = listed.find((pipeline) => pipeline.pipelineId === input.pipelineId)
  if (found === undefined) return { found: "Absent", detail: "not listed by dealStages.list()" }
  const labelOk = found.pipelineLabel === undefined || found.pipelineLabel === input.pipelineLabel
  const stagesOk = found.stages.length === 0 ||
    sameIds(found.stages.map((stage) => stage.stageId), input.stages.map((stage) => stage.stageId))
  const shown = `pipeline ${JSON.stringify(found.pipelineId)}` +
    (found.pipelineLabel === undefined ? "" : ` labelled ${JSON.stringify(found.pipelineLabel)}`) +
    ` with stages [${found.stages.map((stage) => stage.stageId).join(", ")}]`
  return labelOk && stagesOk
    ? { found: "Applied", detail: `read back: dealStages.list() shows ${shown}` }
    : { found: "Conflict", detail: `dealStages.list() shows another ${shown}` }
}

export const dealStagesResource = (
  crm: RecotapCrmService,
  options: SettleOptions
): Resource<DealPipelineInput, DealPipelineResult> => ({
  operation: "dealStages.push",
  push: (items) => crm.dealStages.push(items, bulkOptions(options)),
  unknown: "readBack",
  rejection: (rejected, inDoubt) => {
    if (rejected.status !== "refused") return "final"
    const named = namedPipelines(rejected.error)
    if (named === undefined) return inDoubt && DUPLICATE.test(rejected.error) ? "readBack" : "final"
    // Named: it exists. Whose it is, a read-back tells when an earlier send may have created it.
    if (named.has(rejected.input.pipelineId)) return inDoubt ? "readBack" : "final"
    // Refused for another pipeline of its request: all or nothing, so it was not applied; send it again.
    return "resend"
  },
  readBack: (items) =>
    crm.dealStages.list().pipe(
      Effect.map((listed) => items.map((item) => judgePipeline(item.input, listed))),
      Effect.catchTag("TransportError", (error) => Effect.succeed(readFailed(items, error)))
    )
})
