/**
 * How each resource is written and its unknown items reconciled, for `BulkSettle` (see `src/BulkSettle.ts`).
 */
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Predicate from "effect/Predicate"
import * as Stream from "effect/Stream"
import type {
  Account,
  AccountInput,
  AccountPushResult,
  AccountRef,
  Accounts,
  AccountUpdate,
  ExternalIdMapping,
  MappingResponse,
  PushAccountsOptions
} from "../Account.js"
import { type BulkOptions, type BulkOutcome, type Rejected, summarize } from "../Bulk.js"
import type { SettleAccountsOptions, SettleOptions } from "../BulkSettle.js"
import type { DealInput, DealResult } from "../Deal.js"
import type { DealPipeline, DealPipelineInput, DealPipelineResult, DealPipelines } from "../DealStage.js"
import { normalizeDomain } from "../Domain.js"
import type { RecotapCrmService } from "../RecotapCrm.js"
import type { ReadError, TransportError } from "../RecotapError.js"
import type { SalesActivityInput, SalesActivityResult } from "../SalesActivity.js"
import { domainKey } from "./accountWrites.js"
import * as Outcome from "./outcome.js"
import { provablyNotProcessed } from "./retry.js"
import type { ReadBackItem, Resource } from "./settle.js"
import type { RejectionMeaning, Verdict } from "./settlePhase.js"

const bulkOptions = (options: BulkOptions): BulkOptions =>
  options.concurrency === undefined ? {} : { concurrency: options.concurrency }

/**
 * For resources that are sent again rather than read back: a refusal of an item in doubt leaves
 * it unknown (an earlier send may have applied it); otherwise the refusal is final.
 */
const unknownInDoubt = (_: Rejected<unknown>, inDoubt: boolean): RejectionMeaning => inDoubt ? "unknown" : "final"

// --- deals, external-ID mappings, sales activities: sent again -------------------------------

export const dealsResource = (crm: RecotapCrmService, options: SettleOptions): Resource<DealInput, DealResult> => ({
  operation: "deals.push",
  push: (items) => crm.deals.push(items, bulkOptions(options)),
  unknown: "resend",
  rejection: unknownInDoubt,
  unverifiable: "there is no endpoint to read deals back, so whether an earlier send upserted it cannot be checked"
})

export const mappingsResource = (
  crm: RecotapCrmService,
  options: SettleOptions
): Resource<ExternalIdMapping, MappingResponse> => ({
  operation: "accounts.mapExternalIds",
  push: (items) => crm.accounts.mapExternalIds(items, bulkOptions(options)),
  unknown: "resend",
  // No account has the domain: no earlier send can have written the mapping.
  rejection: (rejected, inDoubt) => rejected.status === "notFound" ? "final" : unknownInDoubt(rejected, inDoubt),
  unverifiable: "mappings are not read back, so whether an earlier send wrote it cannot be checked"
})

export const salesActivitiesResource = (
  crm: RecotapCrmService,
  options: SettleOptions
): Resource<SalesActivityInput, SalesActivityResult> => ({
  operation: "salesActivities.push",
  push: (items) => crm.salesActivities.push(items, bulkOptions(options)),
  // Sent again: the ID is the key, so a resend cannot make a second activity.
  unknown: "resend",
  // A refusal "already exists" may mean the earlier send created it, or that another writer did:
  // only a read could tell, and there is none.
  rejection: unknownInDoubt,
  unverifiable:
    "there is no endpoint to read sales activities back, so whether an earlier send created it cannot be checked"
})

// --- account updates: one request each, sent again ---------------------------------------

/** One update as `accounts.update` takes it: the account it addresses, and what to merge. */
export interface AccountUpdateInput {
  readonly ref: AccountRef
  readonly update: AccountUpdate
}

/** One update's answer as a bulk outcome: only the key's errors fail. */
const updateOne = (crm: RecotapCrmService, input: AccountUpdateInput, index: number) =>
  crm.accounts.update(input.ref, input.update).pipe(
    Effect.as<BulkOutcome<AccountUpdateInput, void>>(
      Outcome.Applied({ index, input, status: "updated", result: undefined })
    ),
    Effect.catchTags({
      NotFound: (error) => Effect.succeed(Outcome.Rejected({ index, input, status: "notFound", error: error.message })),
      BadRequest: (error) =>
        Effect.succeed(
          error.origin === "client"
            ? Outcome.Invalid({ index, input, error: error.message })
            : Outcome.Rejected({ index, input, status: "refused", error: error.message })
        ),
      TransportError: (error) =>
        Effect.succeed((provablyNotProcessed(error) ? Outcome.Unavailable : Outcome.Unknown)({ index, input, error }))
    })
  )

export const accountUpdatesResource = (
  crm: RecotapCrmService,
  options: SettleOptions
): Resource<AccountUpdateInput, void> => ({
  operation: "accounts.update",
  push: (items) => {
    const { concurrency = 1 } = options
    const outcomes = Number.isInteger(concurrency) && concurrency > 0
      ? Effect.forEach(items, (input, index) => updateOne(crm, input, index), { concurrency })
      : Effect.succeed(
        items.map((input, index) =>
          Outcome.Invalid({ index, input, error: "options.concurrency must be a positive integer" })
        )
      )
    return Effect.map(outcomes, (all) => ({ outcomes: all, summary: summarize(all) }))
  },
  // Sent again: an update sets the same values again (a merge of the same custom fields).
  unknown: "resend",
  // No account under the reference: no earlier send can have updated it.
  rejection: (rejected, inDoubt) => rejected.status === "notFound" ? "final" : unknownInDoubt(rejected, inDoubt),
  unverifiable: "an update reads back the same whichever write made it so, " +
    "so whether an earlier send applied it cannot be checked"
})

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

const emptyHeld = (): Held => ({ accounts: [], malformed: [] })

/** Keeps, from pages, what concerns the given domain keys and external IDs. */
const collect = (
  pages: Stream.Stream<Accounts, ReadError>,
  domains: ReadonlySet<string>,
  ids: ReadonlySet<string>
): Effect.Effect<Held, ReadError> =>
  Stream.runFold(pages, emptyHeld(), (held, page) => {
    for (const account of page.data) {
      if (domains.has(domainKey(account.domain)) || (account.externalId !== undefined && ids.has(account.externalId))) {
        held.accounts.push(account)
      }
    }
    for (const record of page.malformed) {
      const raw = Predicate.isRecord(record.raw) ? record.raw : {}
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

/** One read for all, by delta: from the earliest doubt; from the start when one has no checkpoint. */
const deltaRead = (crm: RecotapCrmService) => (items: ReadonlyArray<ReadBackItem<AccountInput>>) => {
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

/** Reads by domain, 100 domains a request. */
const domainRead = (crm: RecotapCrmService) => (items: ReadonlyArray<ReadBackItem<AccountInput>>) =>
  Effect.gen(function*() {
    const domains = [...new Set(items.map((item) => normalizeDomain(item.input.domain)).filter((d) => d !== ""))]
    const keys = new Set(items.map((item) => domainKey(item.input.domain)))
    const held: Held = { accounts: [], malformed: [] }
    // The domains whose read failed, and why: their items stay unknown; the others are judged.
    const failed = new Map<string, TransportError>()
    for (let start = 0; start < domains.length; start += MAX_DOMAINS_PER_READ) {
      const chunk = domains.slice(start, start + MAX_DOMAINS_PER_READ)
      const read = yield* collect(crm.accounts.pages({ domains: chunk }), keys, new Set()).pipe(
        Effect.catchTag("TransportError", (error) => {
          for (const domain of chunk) failed.set(domain, error)
          return Effect.succeed(undefined)
        })
      )
      if (read !== undefined) {
        held.accounts.push(...read.accounts)
        held.malformed.push(...read.malformed)
      }
    }
    return items.map((item): Verdict => {
      const error = failed.get(normalizeDomain(item.input.domain))
      return error === undefined ? judgeAccount(item.input, held, false) : readFailed([item], error)[0]!
    })
  })

/** The server's own time, just before the write: what a delta read of its effects starts from. */
const serverTime = (crm: RecotapCrmService) =>
  crm.accounts.list({ limit: 1 }).pipe(
    Effect.map((page) =>
      page.syncTimestamp === undefined ? undefined : DateTime.subtract(page.syncTimestamp, CHECKPOINT_MARGIN)
    ),
    Effect.catchTag("TransportError", () => Effect.succeed(undefined))
  )

export const accountsResource = (
  crm: RecotapCrmService,
  options: SettleAccountsOptions
): Resource<AccountInput, AccountPushResult> => {
  const pushOptions: PushAccountsOptions = {
    ...bulkOptions(options),
    ...(options.segmentId === undefined ? {} : { segmentId: options.segmentId }),
    ...(options.upsert === undefined ? {} : { upsert: options.upsert })
  }
  const push = (items: ReadonlyArray<AccountInput>) => crm.accounts.push(items, pushOptions)
  // An upsert can be sent again; a plain create is read back first.
  if (options.upsert === true) {
    return {
      operation: "accounts.push",
      push,
      unknown: "resend",
      rejection: unknownInDoubt,
      unverifiable: "an upserted account reads back the same whichever write made it so, " +
        "so whether an earlier send applied it cannot be checked"
    }
  }
  const common = {
    operation: "accounts.push",
    push,
    unknown: "readBack",
    // Sent again after an unknown outcome and refused, whatever the refusal says ("already
    // exists", or not): only a read-back tells whether an earlier send created it.
    rejection: (_, inDoubt) => inDoubt ? "readBack" : "final"
  } satisfies Resource<AccountInput, AccountPushResult>
  // By domain where the revision has the filter (External); otherwise by a delta read (CRM).
  return crm.revision === "external"
    ? { ...common, readBack: domainRead(crm) }
    : { ...common, checkpoint: serverTime(crm), readBack: deltaRead(crm) }
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

const describePipeline = (pipeline: DealPipeline) =>
  `pipeline ${JSON.stringify(pipeline.pipelineId)} labelled ${JSON.stringify(pipeline.pipelineLabel)}` +
  ` with stages [${pipeline.stages.map((stage) => stage.stageId).join(", ")}]`

/** Whether an item kept as received may be the pipeline `id`: only one that names another ID is not. */
const mayBe = (raw: unknown, id: string) => {
  const named = Predicate.isRecord(raw) ? raw["pipelineId"] : undefined
  return typeof named !== "string" || named === id
}

/**
 * Whether the listed pipelines hold `input`: its ID, label and stage IDs. Only readable pipelines
 * are trusted: an item of another shape that may be it leaves it unknown.
 */
const judgePipeline = (input: DealPipelineInput, listed: DealPipelines): Verdict => {
  const found = listed.pipelines.find((pipeline) => pipeline.pipelineId === input.pipelineId)
  if (found !== undefined) {
    const same = found.pipelineLabel === input.pipelineLabel &&
      sameIds(found.stages.map((stage) => stage.stageId), input.stages.map((stage) => stage.stageId))
    return same
      ? { found: "Applied", detail: `read back: dealStages.list() shows ${describePipeline(found)}` }
      : { found: "Conflict", detail: `dealStages.list() shows another ${describePipeline(found)}` }
  }
  const unreadable = listed.unrecognized.find((item) => mayBe(item.raw, input.pipelineId))
  if (unreadable !== undefined) {
    return {
      found: "Unreadable",
      detail: `dealStages.list() holds an item that may be it and cannot be read as a pipeline ` +
        `(#${unreadable.index}: ${unreadable.error})`
    }
  }
  return { found: "Absent", detail: "not listed by dealStages.list()" }
}

export const dealStagesResource = (
  crm: RecotapCrmService,
  options: SettleOptions
): Resource<DealPipelineInput, DealPipelineResult> => ({
  operation: "dealStages.push",
  push: (items) => crm.dealStages.push(items, bulkOptions(options)),
  unknown: "readBack",
  rejection: (rejected, inDoubt) => {
    const named = rejected.status === "refused" ? namedPipelines(rejected.error) : undefined
    // Refused for another pipeline of its request: all or nothing, so it was not applied; send it
    // again (safe: a pipeline that exists is refused, never made twice).
    if (named !== undefined && !named.has(rejected.input.pipelineId)) return "resend"
    // Refused for itself, or for a reason not named: whose the pipeline is, only the list tells.
    return inDoubt ? "readBack" : "final"
  },
  readBack: (items) =>
    crm.dealStages.list().pipe(
      Effect.map((listed) => items.map((item) => judgePipeline(item.input, listed))),
      Effect.catchTag("TransportError", (error) => Effect.succeed(readFailed(items, error)))
    )
})
