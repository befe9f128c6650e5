/**
 * Bulk writes that settle: run a bulk write until every item is `Applied`, `Rejected` or
 * `Invalid`, within a bounded number of rounds.
 *
 * Round 1 sends every item as the plain bulk method does (`accounts.push`, `deals.push`, ...).
 * Then, round after round:
 *
 * - `Unavailable` items (certainly not processed) are sent again, after the wait Recotap asked for
 *   (the largest `retryAfterMillis` among them) or a backoff.
 * - `Unknown` items (may or may not have been applied) are reconciled first, in the way the
 *   resource allows, and sent again only when that shows they were not applied. An item counts
 *   as applied only when Recotap's answer says so or a read-back finds it, never by the wording
 *   of a refusal:
 *   - accounts (create-only): read back. With the External revision, by domain (`accounts.list`
 *     with `domains`); with the CRM revision, which has no `domains` filter, by a delta read
 *     (`lastSync`) since just before the write that left them unknown, taken from the server's
 *     own `syncTimestamp`. An account is applied when Recotap holds one with its domain, its name
 *     (case and spacing aside) and, given, its `externalId`. The revision is the client's own
 *     (`crm.revision`).
 *   - deal stages (create-only, all or nothing per request): `dealStages.list()`; a pipeline is
 *     applied when it is listed, readable, with its ID, label and stage IDs.
 *   - deals, account upserts, external-ID mappings: sent again, which is safe.
 *   - sales activities (create-only, no read endpoint): sent again, which is safe (the ID is
 *     their key).
 * - A resend of an item in doubt that Recotap refuses (say, as already existing) is read back
 *   where the resource allows it: held as sent, the item is `Applied`; not held (or another
 *   record under its key), the refusal stands (`Rejected`). Where nothing can be read back
 *   (sales activities, deals, mappings, upserts), the item stays `Unknown`, with its `reason`.
 *
 * A read-back that fails, or cannot read the record under the item's key, leaves its items
 * `Unknown` for the next round: they are not sent again on a guess. What is still `Unavailable`
 * or `Unknown` after the last round is returned as such, never as applied; an item that was ever
 * `Unknown` and never settled stays `Unknown` (not `Unavailable`), since an earlier send may have
 * applied it.
 *
 * The waits run on the Effect clock (`Effect.sleep`), so tests drive them with `TestClock`.
 *
 * @since 0.1.0
 */
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type {
  AccountInput,
  AccountPushResult,
  ExternalIdMapping,
  MappingResponse,
  PushAccountsOptions
} from "./Account.js"
import {
  type AppliedStatus,
  type BulkOptions,
  type BulkOutcome,
  type BulkSummary,
  type Invalid,
  type Rejected,
  type Unavailable,
  type Unknown
} from "./Bulk.js"
import type { DealInput, DealResult } from "./Deal.js"
import type { DealPipelineInput, DealPipelineResult } from "./DealStage.js"
import { settle } from "./internal/settle.js"
import {
  accountsResource,
  dealsResource,
  dealStagesResource,
  mappingsResource,
  salesActivitiesResource
} from "./internal/settleResources.js"
import { RecotapCrm } from "./RecotapCrm.js"
import type { InvalidApiKey, MissingApiKey } from "./RecotapError.js"
import type { SalesActivityInput, SalesActivityResult } from "./SalesActivity.js"

// ---------------------------------------------------------------------------------------------
// Public models
// ---------------------------------------------------------------------------------------------

/**
 * Options of every settling write.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleOptions extends BulkOptions {
  /** Rounds of writes at most, the first included (default 5): an item is sent at most this many times. */
  readonly maxRounds?: number
  /**
   * The wait before round 2 when Recotap named none (no `Retry-After`); doubled each round, up to
   * 30 seconds or `backoff` if larger (default 1 second).
   */
  readonly backoff?: Duration.DurationInput
  /**
   * The longest wait between two rounds (default 5 minutes). When Recotap asks for a longer one,
   * settling stops there: the items it concerns stay `Unavailable`, their `error` saying when to
   * come back (`retryAfterMillis`).
   */
  readonly maxWait?: Duration.DurationInput
}

/**
 * Options of {@link settleAccountPush}: those of `accounts.push` and of settling. How accounts
 * are read back follows the client's own revision (`crm.revision`).
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleAccountsOptions extends SettleOptions, PushAccountsOptions {}

/**
 * What a reconciliation found about one item:
 *
 * - `Applied`: Recotap holds it as it was sent.
 * - `Absent`: Recotap does not hold it: it is sent again.
 * - `Conflict`: Recotap holds another record under its key, so this item was not applied: it is
 *   sent again, and Recotap's answer to that is final (after a refusal: the refusal is final).
 * - `Unreadable`: a record under its key could not be read, or its name could not be (or, for a
 *   pipeline, a listed item that could be it): it stays unknown.
 * - `ReadFailed`: the read failed: it stays unknown, to be read back next round.
 *
 * @since 0.1.0
 * @category models
 */
export type ReadBackFinding = "Applied" | "Absent" | "Conflict" | "Unreadable" | "ReadFailed"

/**
 * One step of an item's way to its outcome: a send and what its answer said, or a read-back and
 * what it found.
 *
 * @since 0.1.0
 * @category models
 */
export type SettleStep =
  | { readonly _tag: "Sent"; readonly round: number; readonly outcome: BulkOutcome<unknown, unknown>["_tag"] }
  | { readonly _tag: "ReadBack"; readonly round: number; readonly found: ReadBackFinding; readonly detail: string }

/**
 * How an item got to its outcome.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleInfo {
  /** The round its outcome was decided in (the last round it was sent or read back in; 0 if never sent). */
  readonly rounds: number
  /** How many times it was sent (0 for an `Invalid` item). */
  readonly sends: number
  /** Every send and read-back, in order. */
  readonly history: ReadonlyArray<SettleStep>
}

/**
 * Recotap applied the item: its answer said so (`reconciled: false`, with `status` and `result`),
 * or a read-back proved it (`reconciled: true`, `evidence` says what it found; `status` is
 * `created`, as only create-only writes are read back, and `result` is absent).
 *
 * @since 0.1.0
 * @category models
 */
export interface SettledApplied<I, R> extends SettleInfo {
  readonly _tag: "Applied"
  readonly index: number
  readonly input: I
  readonly status: AppliedStatus
  /** Its entry in Recotap's answer, when an answer said it was applied. */
  readonly result: R | undefined
  /** Whether a read-back proved it. */
  readonly reconciled: boolean
  /** What the read-back found, when reconciled. */
  readonly evidence: string | undefined
}

/**
 * An item still in doubt after settling: a send may have applied it and nothing proved it either
 * way. `error` is the failure of the send whose answer was lost; `reason` says why settling could
 * not decide: a read-back that failed or could not read the record under its key, a refusal of
 * its resend where nothing can be read back (sales activities, deals, mappings, upserts), or the
 * rounds that ran out.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettledUnknown<I> extends Unknown<I>, SettleInfo {
  readonly reason: string
}

/**
 * The final outcome of one item: settled (`Applied`, `Rejected`, `Invalid`), or still
 * `Unavailable` / `Unknown` after the last round (with the meanings of `Bulk`).
 *
 * @since 0.1.0
 * @category models
 */
export type SettledOutcome<I, R> =
  | SettledApplied<I, R>
  | (Rejected<I> & SettleInfo)
  | (Invalid & SettleInfo)
  | (Unavailable<I> & SettleInfo)
  | SettledUnknown<I>

/**
 * The counts of {@link SettledOutcome}s, and how the settling went.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleSummary extends BulkSummary {
  /** Rounds of writes run. */
  readonly rounds: number
  /** Applied items proven by a read-back rather than by an answer. */
  readonly reconciled: number
  /** Items sent more than once. */
  readonly resent: number
  /** Whether every item ended `Applied`, `Rejected` or `Invalid`. */
  readonly settled: boolean
}

/**
 * One final outcome per input item, in input order, and their counts.
 *
 * @since 0.1.0
 * @category models
 */
export interface SettleResult<I, R> {
  readonly outcomes: ReadonlyArray<SettledOutcome<I, R>>
  readonly summary: SettleSummary
}

/**
 * The inputs still `Unavailable` or `Unknown` after settling, in input order.
 *
 * @since 0.1.0
 * @category utils
 */
export const unsettledInputs = <I, R>(result: SettleResult<I, R>): ReadonlyArray<I> =>
  result.outcomes.flatMap((outcome) =>
    outcome._tag === "Unavailable" || outcome._tag === "Unknown" ? [outcome.input] : []
  )

/**
 * Pushes accounts (as `accounts.push`) until each one is settled, or `maxRounds` have run.
 *
 * `Unknown` accounts of a plain push are read back before being sent again (see the module's
 * description), as the client's revision allows (`crm.revision`): by domain (External) or by a
 * delta read (CRM). An account is `Applied` when Recotap holds one with its domain, its name
 * (case and spacing aside) and, given, its `externalId`. A resend refused (say, as already
 * existing), of an account that an earlier send may have created, is read back too: held as
 * sent, it is `Applied`; not held, or held under its key as another account, the refusal stands.
 * With `upsert: true` (External revision) they are simply sent again; such a resend refused
 * leaves its account `Unknown`.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 * import * as BulkSettle from "effect-recotap/BulkSettle"
 *
 * const accounts = [
 *   { externalId: "crm-1", name: "Acme", domain: "acme.com" },
 *   { externalId: "crm-2", name: "Globex", domain: "globex.com" }
 * ]
 *
 * const program = Effect.gen(function*() {
 *   const result = yield* BulkSettle.settleAccountPush(accounts, { maxRounds: 5, concurrency: 4 })
 *   const { applied, rejected, invalid, reconciled, settled } = result.summary
 *   yield* Effect.log(`${applied} applied (${reconciled} by a read-back), ${rejected} rejected, ${invalid} invalid`)
 *   if (!settled) {
 *     // Still Unavailable or Unknown after the last round: never counted as applied.
 *     yield* Effect.logWarning(`unsettled: ${BulkSettle.unsettledInputs(result).map((a) => a.externalId).join(", ")}`)
 *   }
 * })
 *
 * // Run it with `Effect.runPromise(main)`.
 * export const main = program.pipe(Effect.provide(RecotapCrm.live))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const settleAccountPush = (
  accounts: Iterable<AccountInput>,
  options: SettleAccountsOptions = {}
): Effect.Effect<SettleResult<AccountInput, AccountPushResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) => settle(accountsResource(crm, options), accounts, options))

/**
 * Maps external IDs (as `accounts.mapExternalIds`) until each mapping is settled. A mapping is an
 * idempotent write: an `Unknown` one is sent again. A resend answered `notFound` is final (no
 * account has the domain, so no earlier send wrote it); refused otherwise, it stays `Unknown`.
 *
 * @since 0.1.0
 * @category running
 */
export const settleExternalIdMappings = (
  mappings: Iterable<ExternalIdMapping>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<ExternalIdMapping, MappingResponse>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) => settle(mappingsResource(crm, options), mappings, options))

/**
 * Upserts deals (as `deals.push`) until each deal is settled. Deals are upserted by
 * `externalDealId`: an `Unknown` one is sent again. There is no endpoint to read deals back, so a
 * resend refused leaves its deal `Unknown`.
 *
 * @since 0.1.0
 * @category running
 */
export const settleDeals = (
  deals: Iterable<DealInput>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<DealInput, DealResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) => settle(dealsResource(crm, options), deals, options))

/**
 * Registers pipelines (as `dealStages.push`) until each one is settled. `Unknown` pipelines are
 * looked up with `dealStages.list()` first: listed, readable, with their label and stage IDs,
 * they are `Applied`; absent, they are sent again; listed in a shape that cannot be read, they
 * stay `Unknown`. A pipeline refused (409) only because another pipeline of its request exists
 * was not applied (all or nothing): it is sent again without that one. A resend refused for the
 * pipeline itself is looked up again: only the list can tell an earlier send's pipeline from
 * another's.
 *
 * @since 0.1.0
 * @category running
 */
export const settleDealStages = (
  pipelines: Iterable<DealPipelineInput>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<DealPipelineInput, DealPipelineResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) => settle(dealStagesResource(crm, options), pipelines, options))

/**
 * Creates sales activities (as `salesActivities.push`) until each one is settled. An `Unknown`
 * activity is sent again: its `externalActivityId` is its key, so no second activity can come
 * of it. There is no endpoint to read activities back, so when that resend is refused (say, as
 * a duplicate ID) nothing can tell whether the earlier send created it: it stays `Unknown`, its
 * `reason` saying so. An activity refused on its first send is `Rejected`.
 *
 * @since 0.1.0
 * @category running
 */
export const settleSalesActivities = (
  activities: Iterable<SalesActivityInput>,
  options: SettleOptions = {}
): Effect.Effect<SettleResult<SalesActivityInput, SalesActivityResult>, MissingApiKey | InvalidApiKey, RecotapCrm> =>
  Effect.flatMap(RecotapCrm, (crm) => settle(salesActivitiesResource(crm, options), activities, options))
