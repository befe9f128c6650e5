/**
 * A durable delta sync of accounts: the checkpoint lives in `@effect/platform`'s `KeyValueStore`
 * (memory, file system, or your own over SQL or Redis), so each run pulls only what changed since
 * the last run that finished.
 *
 * One run ({@link runOnce}) reads the stored checkpoint, pages through every account changed
 * since (all of them when none is stored), hands each changed account (`onAccount`) or each page
 * of them (`onPage`) to your effect, and stores the new checkpoint only once every change was
 * handled. A run that fails or is interrupted halfway leaves the old checkpoint, and the next run
 * delivers those changes again: delivery is at least once, so make the handler idempotent (an
 * upsert by `rtp_aid` or `externalId`).
 *
 * {@link schedule} runs it on a `Schedule` of yours, one run at a time, in one process (on many
 * replicas: `Fleet.scheduleSync` in `effect-recotap/Fleet`, once per tick on one of them; on an
 * `@effect/cluster` cluster: `effect-recotap/ClusterSync`). A run that fails for a
 * reason that may pass (Recotap unreachable, your handler failing, the store failing) is logged
 * and tried again at the next tick; one that waiting cannot fix (`MissingApiKey`,
 * `InvalidApiKey`, {@link CheckpointCorrupt}) ends the job with that error.
 *
 * Each run has a span, `RecotapCrm.accounts.syncJob`, and ends with one Info log line:
 * `Recotap accounts sync: 12 changed, 0 malformed in 840 ms`, annotated with `checkpointKey`,
 * `changed`, `malformed`, `durationMs`, `previousCheckpoint` (when there was one) and `checkpoint`.
 *
 * @example
 * ```ts
 * import * as KeyValueStore from "@effect/platform/KeyValueStore"
 * import { Effect, Layer, Schedule } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 * import * as AccountSyncJob from "effect-recotap/AccountSyncJob"
 *
 * // Every 15 minutes, each changed account upserted into your CRM (here: a log line).
 * const job = AccountSyncJob.schedule(
 *   {
 *     onAccount: (account) => Effect.log(`${account.domain}: score ${account.rtp_account_score}`)
 *   },
 *   Schedule.spaced("15 minutes")
 * )
 *
 * // The checkpoint in memory here; `KeyValueStore.layerFileSystem(dir)` or your own store keeps it.
 * export const main = job.pipe(Effect.provide(Layer.merge(RecotapCrm.live, KeyValueStore.layerMemory)))
 * ```
 *
 * @since 0.1.0
 */
import type * as PlatformError from "@effect/platform/Error"
import type * as KeyValueStore from "@effect/platform/KeyValueStore"
import type * as DateTime from "effect/DateTime"
import type * as Duration from "effect/Duration"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import type { Account, MalformedAccount } from "./Account.js"
import * as internal from "./internal/syncJob.js"
import type { DeadLetter as DeadLetterRecord } from "./internal/syncJobState.js"
import * as internalSchedule from "./internal/syncSchedule.js"
import type { RecotapCrm } from "./RecotapCrm.js"
import type { CheckpointCorrupt, InvalidApiKey, MissingApiKey, ReadError, TransportError } from "./RecotapError.js"

/**
 * The `KeyValueStore` key of the checkpoint unless `checkpointKey` says otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_CHECKPOINT_KEY = internal.DEFAULT_CHECKPOINT_KEY

export {
  /**
   * The value stored under the checkpoint key (or beside it, the job's dead letters) cannot be read
   * (defined with the other errors in `RecotapError`; also exported here, where the job fails with it).
   *
   * @since 0.1.0
   * @category errors
   */
  CheckpointCorrupt
} from "./RecotapError.js"

/**
 * What a sync job does with what it pulls: each changed account (`onAccount`) or each page of
 * them (`onPage`), one of the two; and each account that could not be read (`onMalformed`).
 *
 * A handler's failure fails the run: the checkpoint stays where it was, and the changes of the
 * run are delivered again by the next one (those handled before the failure included).
 *
 * @since 0.1.0
 * @category models
 */
export type AccountSyncJobOptions<E, R> =
  & {
    /** The `KeyValueStore` key of the checkpoint (default {@link DEFAULT_CHECKPOINT_KEY}): one per sync job. */
    readonly checkpointKey?: string | undefined
    /**
     * Each account of a page that could not be read (see `MalformedAccount`), in page order.
     * Default: one Warning log line each. Either way the checkpoint moves on past it; but a
     * handler given here that fails fails the run, so let it fail only when trying again can
     * help, or the record holds the checkpoint back run after run.
     */
    readonly onMalformed?: ((record: MalformedAccount) => Effect.Effect<void, E, R>) | undefined
    /** Page size of the requests (the server's default is 100). */
    readonly limit?: number | undefined
    /**
     * How far before the stored checkpoint each run asks from (default `DEFAULT_SYNC_OVERLAP`, two
     * minutes), so that changes at the checkpoint's edge are not lost to the service's
     * whole-second times or its read lag. Accounts read again in that window exactly as they were
     * delivered are not handed over again.
     */
    readonly overlap?: Duration.DurationInput | undefined
    /** How many dead letters to keep (default {@link DEFAULT_MAX_DEAD_LETTERS}); past it, those seen longest ago go. */
    readonly maxDeadLetters?: number | undefined
  }
  & (
    | {
      /** Each changed account, one at a time, in the order Recotap sends them. */
      readonly onAccount: (account: Account) => Effect.Effect<void, E, R>
      readonly onPage?: never
    }
    | {
      /**
       * The changed accounts of each page, in order, for batch writes (a page with none is not
       * handed over). A page's malformed records go to `onMalformed` after its accounts.
       */
      readonly onPage: (accounts: ReadonlyArray<Account>) => Effect.Effect<void, E, R>
      readonly onAccount?: never
    }
  )

/**
 * What one run did.
 *
 * @since 0.1.0
 * @category models
 */
export interface AccountSyncRun {
  /** Changed accounts handed over. */
  readonly changed: number
  /** Accounts that could not be read, handed to `onMalformed` (or logged); those kept from earlier runs not counted. */
  readonly malformed: number
  /** Accounts read again in the overlap window exactly as they were delivered: not handed over again. */
  readonly alreadyDelivered: number
  /** Dead letters kept once the run ended (see {@link deadLetters}). */
  readonly deadLetters: number
  /** The checkpoint the run started from; none for a first, full sync. */
  readonly previousCheckpoint: Option.Option<DateTime.Utc>
  /** The checkpoint stored: the server time of the run's first page. */
  readonly checkpoint: DateTime.Utc
  /** From the start of the run to the checkpoint stored, by the Effect `Clock`. */
  readonly durationMillis: number
}

/**
 * The options of {@link schedule}: those of a run, and which of your handler's errors end the job.
 *
 * @since 0.1.0
 * @category models
 */
export type AccountSyncScheduleOptions<E, R> = AccountSyncJobOptions<E, R> & {
  /**
   * Whether a handler's error ends the job (with that error) rather than being logged and tried
   * again at the next tick. Default: none does; the changes are delivered again at each tick
   * until the handler takes them.
   */
  readonly stopOn?: ((error: E) => boolean) | undefined
}

// ---------------------------------------------------------------------------- one run

/**
 * One run of the sync job:
 *
 * 1. reads the checkpoint under `checkpointKey` (none: a full sync; a value that cannot be read:
 *    fails with {@link CheckpointCorrupt}, nothing requested), the versions it delivered lately
 *    and its dead letters;
 * 2. pages through every account changed since the checkpoint minus `overlap` (default two
 *    minutes, see `DEFAULT_SYNC_OVERLAP`; `GET /accounts?lastSync=…`, one page fetched ahead),
 *    handing each changed account to `onAccount` (or each page to `onPage`) and each account
 *    that could not be read to `onMalformed` (default: a Warning log line), one after the other.
 *    An account read again inside the overlap exactly as it was delivered is not handed over
 *    again; a record that could not be read is kept as a dead letter (see {@link deadLetters}),
 *    and one already kept is not handed to `onMalformed` again;
 * 3. once all were handled, stores the dead letters, the versions delivered lately, and the new
 *    checkpoint: the server time of the first page (what changes during the run comes again next
 *    time), as the ISO 8601 text of `DateTime.formatIso`, e.g. `2026-04-30T10:00:00.000Z`. The
 *    writes are not interrupted halfway.
 *
 * A failure (Recotap's, the handler's, or the store's `PlatformError`) or an interruption before
 * step 3 leaves the stored checkpoint as it was: the next run delivers the same changes again
 * (at least once). Two runs at once on the same key are safe for the same reason, but wasteful:
 * {@link schedule} runs one at a time.
 *
 * Observability: a span `RecotapCrm.accounts.syncJob` (attribute `recotap.sync.checkpoint_key`;
 * on success also `recotap.sync.changed`, `recotap.sync.malformed`, `recotap.sync.checkpoint`,
 * `recotap.sync.duration_ms`) with the calls' spans below it, and one Info line per completed run
 * (see the module's description).
 *
 * @example
 * ```ts
 * import * as KeyValueStore from "@effect/platform/KeyValueStore"
 * import { Effect, Layer } from "effect"
 * import { type Account, RecotapCrm } from "effect-recotap"
 * import * as AccountSyncJob from "effect-recotap/AccountSyncJob"
 *
 * declare const upsertAll: (accounts: ReadonlyArray<Account>) => Effect.Effect<void, Error>
 *
 * const program = Effect.gen(function*() {
 *   const run = yield* AccountSyncJob.runOnce({ onPage: upsertAll, limit: 200 })
 *   yield* Effect.log(`${run.changed} accounts changed`)
 * })
 *
 * export const main = program.pipe(Effect.provide(Layer.merge(RecotapCrm.live, KeyValueStore.layerMemory)))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const runOnce = <E = never, R = never>(
  options: AccountSyncJobOptions<E, R>
): Effect.Effect<
  AccountSyncRun,
  ReadError | CheckpointCorrupt | PlatformError.PlatformError | E,
  RecotapCrm | KeyValueStore.KeyValueStore | R
> => internal.runOnce(options)

// ---------------------------------------------------------------------------- dead letters

/**
 * A record that could not be read, kept by the job: its `id` (the same record read again is the
 * same letter), the `record` (index in its page, the JSON as received, why it could not be
 * read), when runs first and last read it (`firstSeen`, `lastSeen`) and how many did
 * (`timesSeen`). A later run that reads that account (the same `rtp_aid` or domain) readable
 * settles it.
 *
 * @since 0.1.0
 * @category models
 */
export type DeadLetter = DeadLetterRecord

/**
 * How many dead letters a job keeps unless `maxDeadLetters` says otherwise: past it, the ones
 * seen longest ago are let go, with a Warning line.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_MAX_DEAD_LETTERS = internal.DEFAULT_MAX_DEAD_LETTERS

/** Which job: its checkpoint key (default {@link DEFAULT_CHECKPOINT_KEY}). */
type JobKey = internal.JobKey

/**
 * The dead letters the job under `checkpointKey` keeps, the most recently seen first.
 *
 * @since 0.1.0
 * @category dead letters
 */
export const deadLetters = (
  options: JobKey = {}
): Effect.Effect<
  ReadonlyArray<DeadLetter>,
  CheckpointCorrupt | PlatformError.PlatformError,
  KeyValueStore.KeyValueStore
> => internal.deadLetters(options)

/**
 * Lets go of the dead letters with these ids (see {@link deadLetters}); answers how many there were.
 * Run it between runs: a run in progress writes the letters it read when it ends.
 *
 * @since 0.1.0
 * @category dead letters
 */
export const dropDeadLetters = (
  ids: Iterable<string>,
  options: JobKey = {}
): Effect.Effect<number, CheckpointCorrupt | PlatformError.PlatformError, KeyValueStore.KeyValueStore> =>
  internal.dropDeadLetters(ids, options)

/**
 * Reads each dead letter again with this version of the client (a record an older version could
 * not read may be readable now) and hands those that read as accounts to `onAccount`: each one
 * taken is let go; the others stay. Answers how many were taken. A failure of `onAccount` stops
 * there with its error, the letters taken before it let go. Run it between runs.
 *
 * @since 0.1.0
 * @category dead letters
 */
export const retryDeadLetters = <E, R>(
  onAccount: (account: Account) => Effect.Effect<void, E, R>,
  options: JobKey = {}
): Effect.Effect<number, E | CheckpointCorrupt | PlatformError.PlatformError, KeyValueStore.KeyValueStore | R> =>
  internal.retryDeadLetters(onAccount, options)

// ---------------------------------------------------------------------------- on a schedule

/**
 * Runs {@link runOnce} at once, then at each recurrence of `policy` (for example
 * `Schedule.spaced("15 minutes")`: 15 minutes after each run ends; or `Schedule.cron(...)`),
 * one run at a time: a run is never started while another runs, and a run that outlasts the
 * interval is followed by the next one only once it ends. The schedule is given
 * `Option.some(run)` after a run that completed and `Option.none()` after one that failed.
 *
 * A run that fails:
 * - with a `TransportError` (Recotap unreachable, 5xx, timeouts, after the client's own
 *   retries): one Warning log line; the job goes on, and the next tick tries again from the same
 *   checkpoint;
 * - because a handler failed, or the store failed (`PlatformError`): one Error log line; the job
 *   goes on likewise (the changes are delivered again), unless `stopOn` says that handler error
 *   ends the job, with that error;
 * - with `MissingApiKey`, `InvalidApiKey`, {@link CheckpointCorrupt}, or a `TransportError` whose
 *   `reason` is `InvalidRequest` (the job's own `limit` or `overlap` refused before sending) or
 *   `RouteNotFound` (the base URL does not serve the API): the job ends with that error at once
 *   (nothing else is logged); waiting would not fix them.
 *
 * A defect (a handler that dies) is not caught: it ends the job.
 *
 * Interrupting the job interrupts the run in progress, leaving its checkpoint as it was. The job
 * ends with the schedule's last output if the schedule ends (`Schedule.spaced` never does).
 *
 * @example
 * ```ts
 * import * as KeyValueStore from "@effect/platform/KeyValueStore"
 * import { Effect, Layer, Schedule } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 * import * as AccountSyncJob from "effect-recotap/AccountSyncJob"
 *
 * const job = AccountSyncJob.schedule(
 *   { onAccount: (account) => Effect.log(`changed: ${account.domain}`) },
 *   Schedule.spaced("15 minutes")
 * ).pipe(
 *   Effect.catchTags({
 *     InvalidApiKey: (e) => Effect.logError(`sync stopped, the key was refused: ${e.message}`),
 *     MissingApiKey: (e) => Effect.logError(`sync stopped: ${e.message}`),
 *     CheckpointCorrupt: (e) => Effect.logError(e.message)
 *   })
 * )
 *
 * export const main = job.pipe(Effect.provide(Layer.merge(RecotapCrm.live, KeyValueStore.layerMemory)))
 * ```
 *
 * @since 0.1.0
 * @category running
 */
export const schedule = <Out, E = never, R = never, R2 = never>(
  options: AccountSyncScheduleOptions<E, R>,
  policy: Schedule.Schedule<Out, Option.Option<AccountSyncRun>, R2>
): Effect.Effect<
  Out,
  MissingApiKey | InvalidApiKey | CheckpointCorrupt | TransportError | E,
  RecotapCrm | KeyValueStore.KeyValueStore | R | R2
> => internalSchedule.schedule(options, policy)
