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
 * {@link schedule} runs it on a `Schedule` of yours, one run at a time. A run that fails for a
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
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import type * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { type Account, type Accounts, DEFAULT_SYNC_OVERLAP, type MalformedAccount } from "./Account.js"
import { checkpointOf, describeMalformed, pageEvents, reachBack, readAccount } from "./internal/accounts.js"
import {
  boundLetters,
  type DeadLetter as DeadLetterRecord,
  decodeDeadLetters,
  encodeDeadLetters,
  fingerprint,
  letterOf,
  readDelivered,
  settledBy,
  versionOf,
  writeDelivered
} from "./internal/syncJobState.js"
import { RecotapCrm } from "./RecotapCrm.js"
import type { InvalidApiKey, MissingApiKey, ReadError, TransportError } from "./RecotapError.js"

/**
 * The `KeyValueStore` key of the checkpoint unless `checkpointKey` says otherwise.
 *
 * @since 0.1.0
 * @category constants
 */
export const DEFAULT_CHECKPOINT_KEY = "effect-recotap/accounts-sync/checkpoint"

/**
 * The value stored under the checkpoint key cannot be read as a checkpoint. The run stops before
 * anything is requested: a checkpoint that cannot be read is not taken for "none", which would
 * silently sync every account again. Fix the value (an ISO 8601 date-time with a time zone, such
 * as `2026-04-30T10:00:00.000Z`), or remove the key to sync every account again on purpose.
 *
 * @since 0.1.0
 * @category errors
 */
export class CheckpointCorrupt extends Schema.TaggedError<CheckpointCorrupt>()("CheckpointCorrupt", {
  /** The key it is stored under. */
  key: Schema.String,
  /** The stored value (its first 100 characters). */
  value: Schema.String,
  /** What the value should have been, when it is not the checkpoint itself (the job's dead letters). */
  expected: Schema.optional(Schema.String)
}) {
  override get message(): string {
    return this.expected === undefined
      ? `The checkpoint stored under "${this.key}" is not an ISO 8601 date-time: ${JSON.stringify(this.value)}. ` +
        "Fix it, or remove the key to sync every account again"
      : `The value stored under "${this.key}" cannot be read as ${this.expected}: ${JSON.stringify(this.value)}. ` +
        "Fix it, or remove the key to let them go"
  }
}

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

// ---------------------------------------------------------------------------- the checkpoint

/** What {@link DateTime.formatIso} writes, and the same by hand: seconds, a fraction and an offset are optional. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/

/** The instant of a stored checkpoint, if it is a real ISO 8601 date-time with a zone (no 30 February). */
const parseCheckpoint = (text: string): Option.Option<DateTime.Utc> => {
  const match = ISO_DATE_TIME.exec(text)
  if (match === null) return Option.none()
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])]
  const date = new Date(Date.UTC(year, month - 1, day))
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    return Option.none()
  }
  return DateTime.make(text)
}

const readCheckpoint = (store: KeyValueStore.KeyValueStore, key: string) =>
  Effect.flatMap(
    store.get(key),
    Option.match({
      onNone: () => Effect.succeed(Option.none<DateTime.Utc>()),
      onSome: (text) =>
        Option.match(parseCheckpoint(text), {
          onNone: () => Effect.fail(new CheckpointCorrupt({ key, value: text.slice(0, 100) })),
          onSome: (checkpoint) => Effect.succeed(Option.some(checkpoint))
        })
    })
  )

// ---------------------------------------------------------------------------- one run

const logMalformed = (record: MalformedAccount): Effect.Effect<void> =>
  Effect.logWarning(`Recotap accounts sync: skipped an account that could not be read: ${describeMalformed(record)}`)

/** Where a job keeps what it delivered lately and its dead letters: beside its checkpoint. */
const stateKeys = (key: string) => ({ delivered: `${key}/delivered`, deadLetters: `${key}/dead-letters` })

const readDeadLetters = (store: KeyValueStore.KeyValueStore, key: string) =>
  Effect.flatMap(
    store.get(key),
    Option.match({
      onNone: () => Effect.succeed<ReadonlyArray<DeadLetter>>([]),
      onSome: (text) =>
        Either.match(decodeDeadLetters(text), {
          onLeft: () =>
            Effect.fail(new CheckpointCorrupt({ key, value: text.slice(0, 100), expected: "the job's dead letters" })),
          onRight: (letters) => Effect.succeed(letters)
        })
    })
  )

/** The summary line of a run: the counts, and what was read again or kept aside when there was any. */
const summaryOf = (run: AccountSyncRun): string =>
  `Recotap accounts sync: ${run.changed} changed, ${run.malformed} malformed` +
  (run.alreadyDelivered === 0 ? "" : ` (${run.alreadyDelivered} read again unchanged)`) +
  (run.deadLetters === 0 ? "" : `, ${run.deadLetters} dead letter${run.deadLetters === 1 ? "" : "s"} kept`) +
  ` in ${run.durationMillis} ms`

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
> => {
  const key = options.checkpointKey ?? DEFAULT_CHECKPOINT_KEY
  const keys = stateKeys(key)
  return Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const store = yield* KeyValueStore.KeyValueStore
    const startedAt = yield* Clock.currentTimeMillis
    const previousCheckpoint = yield* readCheckpoint(store, key)
    const delivered = new Map(Option.getOrElse(readDelivered(yield* store.get(keys.delivered)), () => new Map()))
    const storedLetters = yield* readDeadLetters(store, keys.deadLetters)
    const letters = new Map(storedLetters.map((letter) => [letter.id, letter]))
    const onMalformed = options.onMalformed ?? logMalformed
    const overlap = options.overlap ?? DEFAULT_SYNC_OVERLAP
    const params = yield* reachBack({
      ...(Option.isSome(previousCheckpoint) ? { lastSync: previousCheckpoint.value } : {}),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      overlap
    }, "/accounts")

    // This run's state.
    let checkpoint = Option.none<DateTime.Utc>()
    let changed = 0
    let alreadyDelivered = 0
    let malformed = 0

    /** The page's events still to hand over: accounts not delivered in this version, records not yet kept. */
    const newsOf = (page: Accounts, readAt: DateTime.Utc) =>
      pageEvents(page).filter((event) => {
        if (event._tag === "Malformed") {
          const id = fingerprint(event.record.raw)
          const kept = letters.get(id)
          letters.set(id, letterOf(event.record, readAt, kept))
          return kept === undefined
        }
        const { account } = event
        for (const letter of letters.values()) if (settledBy(letter, account)) letters.delete(letter.id)
        const known = delivered.get(account.rtp_aid)
        if (known === undefined || known.version !== versionOf(account)) return true
        // Read again unchanged: kept in mind as read now, not handed over again.
        delivered.set(account.rtp_aid, { version: known.version, readAt: DateTime.toEpochMillis(readAt) })
        alreadyDelivered++
        return false
      })
    const handed = (account: Account, readAt: DateTime.Utc) =>
      Effect.sync(() => {
        delivered.set(account.rtp_aid, { version: versionOf(account), readAt: DateTime.toEpochMillis(readAt) })
        changed++
      })
    const malformedOne = (record: MalformedAccount) =>
      Effect.zipRight(onMalformed(record), Effect.sync(() => void malformed++))

    const handlePage = (page: Accounts): Effect.Effect<void, E, R> =>
      Effect.suspend(() => {
        const readAt = page.syncTimestamp ?? DateTime.unsafeMake(startedAt)
        if (Option.isNone(checkpoint)) checkpoint = Option.some(checkpointOf(page, DateTime.unsafeMake(startedAt)))
        const news = newsOf(page, readAt)
        const { onAccount, onPage } = options
        if (onPage !== undefined) {
          const accounts = news.flatMap((event) => event._tag === "Changed" ? [event.account] : [])
          return Effect.zipRight(
            accounts.length === 0 ? Effect.void : Effect.zipRight(
              onPage(accounts),
              Effect.forEach(accounts, (account) => handed(account, readAt), { discard: true })
            ),
            Effect.forEach(news, (event) => event._tag === "Malformed" ? malformedOne(event.record) : Effect.void, {
              discard: true
            })
          )
        }
        return Effect.forEach(
          news,
          (event) =>
            event._tag === "Changed"
              ? Effect.zipRight(onAccount(event.account), handed(event.account, readAt))
              : malformedOne(event.record),
          { discard: true }
        )
      })

    yield* Stream.runForEach(crm.accounts.pages(params), handlePage)

    // Every change was handled: keep what was set aside and what was delivered, then move the
    // checkpoint on, in one piece.
    const stored = Option.getOrElse(checkpoint, () => DateTime.unsafeMake(startedAt))
    const bounded = boundLetters([...letters.values()], options.maxDeadLetters ?? DEFAULT_MAX_DEAD_LETTERS)
    // An account read before the next run's window (the checkpoint minus the overlap, and as much
    // again for the server's clock and precision) cannot come again unchanged.
    const keepAfter = DateTime.toEpochMillis(stored) - 2 * Duration.toMillis(Duration.decode(overlap))
    yield* Effect.uninterruptible(Effect.all([
      bounded.kept.length === 0 && storedLetters.length === 0
        ? Effect.void
        : store.set(keys.deadLetters, encodeDeadLetters(bounded.kept)),
      store.set(keys.delivered, writeDelivered(delivered, keepAfter, MAX_REMEMBERED_VERSIONS)),
      store.set(key, DateTime.formatIso(stored))
    ], { discard: true }))
    if (bounded.dropped > 0) {
      yield* Effect.logWarning(
        `Recotap accounts sync: ${bounded.dropped} dead letter(s) let go, the oldest seen, to keep ${bounded.kept.length}`
      )
    }

    const durationMillis = (yield* Clock.currentTimeMillis) - startedAt
    const run: AccountSyncRun = {
      changed,
      malformed,
      alreadyDelivered,
      deadLetters: bounded.kept.length,
      previousCheckpoint,
      checkpoint: stored,
      durationMillis
    }
    yield* Effect.annotateCurrentSpan({
      "recotap.sync.changed": changed,
      "recotap.sync.malformed": malformed,
      "recotap.sync.checkpoint": DateTime.formatIso(stored),
      "recotap.sync.duration_ms": durationMillis,
      ...(alreadyDelivered === 0 ? {} : { "recotap.sync.already_delivered": alreadyDelivered }),
      ...(run.deadLetters === 0 ? {} : { "recotap.sync.dead_letters": run.deadLetters })
    })
    yield* Effect.logInfo(summaryOf(run)).pipe(
      Effect.annotateLogs({
        checkpointKey: key,
        changed,
        malformed,
        ...(alreadyDelivered === 0 ? {} : { alreadyDelivered }),
        ...(run.deadLetters === 0 ? {} : { deadLetters: run.deadLetters }),
        durationMs: durationMillis,
        ...(Option.isSome(previousCheckpoint)
          ? { previousCheckpoint: DateTime.formatIso(previousCheckpoint.value) }
          : {}),
        checkpoint: DateTime.formatIso(stored)
      })
    )
    return run
  }).pipe(
    Effect.withSpan("RecotapCrm.accounts.syncJob", { attributes: { "recotap.sync.checkpoint_key": key } })
  )
}

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
export const DEFAULT_MAX_DEAD_LETTERS = 1000

/** How many delivered versions a job keeps in mind: past it, the oldest read come again if read again. */
const MAX_REMEMBERED_VERSIONS = 50_000

/** Which job: its checkpoint key (default {@link DEFAULT_CHECKPOINT_KEY}). */
interface JobKey {
  readonly checkpointKey?: string | undefined
}

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
> =>
  Effect.flatMap(
    KeyValueStore.KeyValueStore,
    (store) => readDeadLetters(store, stateKeys(options.checkpointKey ?? DEFAULT_CHECKPOINT_KEY).deadLetters)
  ).pipe(
    Effect.map((letters) => boundLetters(letters, letters.length).kept)
  )

/** Rewrites the dead letters: those `keep` answers `true` for stay. */
const rewriteLetters = <E, R>(
  options: JobKey,
  keep: (letter: DeadLetter) => Effect.Effect<boolean, E, R>
): Effect.Effect<number, E | CheckpointCorrupt | PlatformError.PlatformError, KeyValueStore.KeyValueStore | R> =>
  Effect.gen(function*() {
    const store = yield* KeyValueStore.KeyValueStore
    const key = stateKeys(options.checkpointKey ?? DEFAULT_CHECKPOINT_KEY).deadLetters
    const letters = yield* readDeadLetters(store, key)
    const kept: Array<DeadLetter> = []
    for (let i = 0; i < letters.length; i++) {
      // A failure stops here; the letters taken before it are let go all the same.
      const stays = yield* keep(letters[i]!).pipe(
        Effect.tapError(() => store.set(key, encodeDeadLetters([...kept, ...letters.slice(i)])))
      )
      if (stays) kept.push(letters[i]!)
    }
    if (kept.length !== letters.length) yield* store.set(key, encodeDeadLetters(kept))
    return letters.length - kept.length
  })

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
): Effect.Effect<number, CheckpointCorrupt | PlatformError.PlatformError, KeyValueStore.KeyValueStore> => {
  const drop = new Set(ids)
  return rewriteLetters(options, (letter) => Effect.succeed(!drop.has(letter.id)))
}

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
  rewriteLetters(options, (letter) =>
    Option.match(readAccount(letter.record.raw), {
      onNone: () => Effect.succeed(true),
      onSome: (account) => Effect.as(onAccount(account), false)
    }))

// ---------------------------------------------------------------------------- on a schedule

/** A handler's error inside {@link schedule}: told apart from Recotap's and the store's, whatever it is. */
class HandlerFailure<E> {
  constructor(readonly error: E) {}
}

const handledBy = <A, E, R>(handler: (input: A) => Effect.Effect<void, E, R>) => (input: A) =>
  Effect.mapError(handler(input), (error) => new HandlerFailure(error))

/** The run options with each handler's error wrapped in a {@link HandlerFailure}. */
const wrapHandlers = <E, R>(options: AccountSyncJobOptions<E, R>): AccountSyncJobOptions<HandlerFailure<E>, R> => {
  const common = {
    checkpointKey: options.checkpointKey,
    limit: options.limit,
    overlap: options.overlap,
    maxDeadLetters: options.maxDeadLetters,
    onMalformed: options.onMalformed === undefined ? undefined : handledBy(options.onMalformed)
  }
  return options.onPage !== undefined
    ? { ...common, onPage: handledBy(options.onPage) }
    : { ...common, onAccount: handledBy(options.onAccount) }
}

const retryLater = (what: string, cause: Cause.Cause<unknown>, warning: boolean) =>
  (warning ? Effect.logWarning : Effect.logError)(
    `Recotap accounts sync: the run failed (${what}); the checkpoint is kept, the next tick tries again`,
    cause
  )

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
> => {
  const stopOn = options.stopOn ?? (() => false)
  const tick = runOnce(wrapHandlers(options)).pipe(
    Effect.map(Option.some),
    Effect.catchAll(
      (
        error
      ): Effect.Effect<
        Option.Option<never>,
        MissingApiKey | InvalidApiKey | CheckpointCorrupt | TransportError | E
      > => {
        if (error instanceof HandlerFailure) {
          const cause = Cause.fail(error.error)
          return stopOn(error.error)
            ? Effect.fail(error.error)
            : Effect.as(retryLater("a handler failed", cause, false), Option.none())
        }
        switch (error._tag) {
          case "MissingApiKey":
          case "InvalidApiKey":
          case "CheckpointCorrupt":
            return Effect.fail(error)
          case "TransportError":
            // Invalid options (a `limit` or an `overlap` refused before sending) and a base URL that
            // does not serve the API fail every run alike: waiting would not fix them.
            return error.reason === "InvalidRequest" || error.reason === "RouteNotFound"
              ? Effect.fail(error)
              : Effect.as(retryLater(`Recotap: ${error.reason}`, Cause.fail(error), true), Option.none())
          default:
            return Effect.as(retryLater("the checkpoint store failed", Cause.fail(error), false), Option.none())
        }
      }
    )
  )
  return Effect.repeat(tick, policy)
}
