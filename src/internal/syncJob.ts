/**
 * The work of `AccountSyncJob`: the stored checkpoint, one run, and the dead-letter operations
 * (runs on a schedule: `syncSchedule.ts`). The pure state pieces (delivered versions, dead letters) are in
 * `syncJobState.ts`; the public module holds the options, the results and the documentation.
 */
import type * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Clock from "effect/Clock"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { type Account, type Accounts, DEFAULT_SYNC_OVERLAP, type MalformedAccount } from "../Account.js"
import type { AccountSyncJobOptions, AccountSyncRun } from "../AccountSyncJob.js"
import { RecotapCrm } from "../RecotapCrm.js"
import { CheckpointCorrupt, type ReadError } from "../RecotapError.js"
import { checkpointOf, describeMalformed, pageEvents, reachBack, readAccount } from "./accounts.js"
import { countSyncRecords, countSyncRun } from "./measure.js"
import {
  boundLetters,
  type DeadLetter,
  decodeDeadLetters,
  type Delivered,
  type DeliveredVersion,
  encodeDeadLetters,
  fingerprint,
  letterOf,
  readDelivered,
  settledBy,
  versionOf,
  writeDelivered
} from "./syncJobState.js"

/** The `KeyValueStore` key of the checkpoint unless `checkpointKey` says otherwise. */
export const DEFAULT_CHECKPOINT_KEY = "effect-recotap/accounts-sync/checkpoint"

/** How many dead letters a job keeps unless `maxDeadLetters` says otherwise. */
export const DEFAULT_MAX_DEAD_LETTERS = 1000

/** How many delivered versions a job keeps in mind: past it, the oldest read come again if read again. */
const MAX_REMEMBERED_VERSIONS = 50_000

/** Which job: its checkpoint key (default {@link DEFAULT_CHECKPOINT_KEY}). */
export interface JobKey {
  readonly checkpointKey?: string | undefined
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

// ---------------------------------------------------------------------------- what a job keeps

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

/** What a run starts from: the stored checkpoint, the versions delivered lately, the dead letters. */
const readJobState = (store: KeyValueStore.KeyValueStore, key: string) =>
  Effect.gen(function*() {
    const keys = stateKeys(key)
    const previousCheckpoint = yield* readCheckpoint(store, key)
    const delivered: Delivered = Option.getOrElse(readDelivered(yield* store.get(keys.delivered)), () => new Map())
    const storedLetters = yield* readDeadLetters(store, keys.deadLetters)
    return { previousCheckpoint, delivered, storedLetters }
  })

// ---------------------------------------------------------------------------- one run

const logMalformed = (record: MalformedAccount): Effect.Effect<void> =>
  Effect.logWarning(`Recotap accounts sync: skipped an account that could not be read: ${describeMalformed(record)}`)

/** A run's progress: what it delivered and set aside so far, and its counts. */
class Progress {
  checkpoint = Option.none<DateTime.Utc>()
  changed = 0
  alreadyDelivered = 0
  malformed = 0
  readonly delivered: Map<string, DeliveredVersion>
  readonly letters: Map<string, DeadLetter>

  constructor(delivered: Delivered, letters: ReadonlyArray<DeadLetter>) {
    this.delivered = new Map(delivered)
    this.letters = new Map(letters.map((letter) => [letter.id, letter]))
  }

  /** The page's events still to hand over: accounts not delivered in this version, records not yet kept. */
  newsOf(page: Accounts, readAt: DateTime.Utc) {
    return pageEvents(page).filter((event) => {
      if (event._tag === "Malformed") {
        const id = fingerprint(event.record.raw)
        const kept = this.letters.get(id)
        this.letters.set(id, letterOf(event.record, readAt, kept))
        return kept === undefined
      }
      const { account } = event
      for (const letter of this.letters.values()) if (settledBy(letter, account)) this.letters.delete(letter.id)
      const known = this.delivered.get(account.rtp_aid)
      if (known === undefined || known.version !== versionOf(account)) return true
      // Read again unchanged: kept in mind as read now, not handed over again.
      this.delivered.set(account.rtp_aid, { version: known.version, readAt: DateTime.toEpochMillis(readAt) })
      this.alreadyDelivered++
      return false
    })
  }

  handed(account: Account, readAt: DateTime.Utc) {
    return Effect.sync(() => {
      this.delivered.set(account.rtp_aid, { version: versionOf(account), readAt: DateTime.toEpochMillis(readAt) })
      this.changed++
    })
  }
}

/** Hands a page's news to the run's handlers, one after the other, counting as it goes. */
const pageHandler = <E, R>(options: AccountSyncJobOptions<E, R>, progress: Progress, startedAt: number) => {
  const onMalformed = options.onMalformed ?? logMalformed
  const malformedOne = (record: MalformedAccount) =>
    Effect.zipRight(onMalformed(record), Effect.sync(() => void progress.malformed++))
  return (page: Accounts): Effect.Effect<void, E, R> =>
    Effect.suspend(() => {
      const readAt = page.syncTimestamp ?? DateTime.unsafeMake(startedAt)
      if (Option.isNone(progress.checkpoint)) {
        progress.checkpoint = Option.some(checkpointOf(page, DateTime.unsafeMake(startedAt)))
      }
      const news = progress.newsOf(page, readAt)
      const { onAccount, onPage } = options
      if (onPage !== undefined) {
        const accounts = news.flatMap((event) => event._tag === "Changed" ? [event.account] : [])
        return Effect.zipRight(
          accounts.length === 0 ? Effect.void : Effect.zipRight(
            onPage(accounts),
            Effect.forEach(accounts, (account) => progress.handed(account, readAt), { discard: true })
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
            ? Effect.zipRight(onAccount(event.account), progress.handed(event.account, readAt))
            : malformedOne(event.record),
        { discard: true }
      )
    })
}

/**
 * Every change was handled: keeps what was set aside and what was delivered, then moves the
 * checkpoint on, in one piece. Answers the checkpoint stored and the dead letters kept.
 */
const storeJobState = (
  store: KeyValueStore.KeyValueStore,
  key: string,
  progress: Progress,
  run: { readonly startedAt: number; readonly overlap: Duration.DurationInput; readonly maxDeadLetters: number },
  hadLetters: boolean
) =>
  Effect.gen(function*() {
    const keys = stateKeys(key)
    const stored = Option.getOrElse(progress.checkpoint, () => DateTime.unsafeMake(run.startedAt))
    const bounded = boundLetters([...progress.letters.values()], run.maxDeadLetters)
    // An account read before the next run's window (the checkpoint minus the overlap, and as much
    // again for the server's clock and precision) cannot come again unchanged.
    const keepAfter = DateTime.toEpochMillis(stored) - 2 * Duration.toMillis(Duration.decode(run.overlap))
    yield* Effect.uninterruptible(Effect.all([
      bounded.kept.length === 0 && !hadLetters
        ? Effect.void
        : store.set(keys.deadLetters, encodeDeadLetters(bounded.kept)),
      store.set(keys.delivered, writeDelivered(progress.delivered, keepAfter, MAX_REMEMBERED_VERSIONS)),
      store.set(key, DateTime.formatIso(stored))
    ], { discard: true }))
    if (bounded.dropped > 0) {
      yield* Effect.logWarning(
        `Recotap accounts sync: ${bounded.dropped} dead letter(s) let go, the oldest seen, to keep ${bounded.kept.length}`
      )
    }
    return { stored, deadLetters: bounded.kept.length }
  })

/** The summary line of a run: the counts, and what was read again or kept aside when there was any. */
const summaryOf = (run: AccountSyncRun): string =>
  `Recotap accounts sync: ${run.changed} changed, ${run.malformed} malformed` +
  (run.alreadyDelivered === 0 ? "" : ` (${run.alreadyDelivered} read again unchanged)`) +
  (run.deadLetters === 0 ? "" : `, ${run.deadLetters} dead letter${run.deadLetters === 1 ? "" : "s"} kept`) +
  ` in ${run.durationMillis} ms`

/** The run's span attributes and its one Info line. */
const reportRun = (key: string, run: AccountSyncRun) => {
  const { alreadyDelivered, changed, deadLetters, durationMillis, malformed, previousCheckpoint } = run
  const checkpoint = DateTime.formatIso(run.checkpoint)
  return Effect.zipRight(
    Effect.annotateCurrentSpan({
      "recotap.sync.changed": changed,
      "recotap.sync.malformed": malformed,
      "recotap.sync.checkpoint": checkpoint,
      "recotap.sync.duration_ms": durationMillis,
      ...(alreadyDelivered === 0 ? {} : { "recotap.sync.already_delivered": alreadyDelivered }),
      ...(deadLetters === 0 ? {} : { "recotap.sync.dead_letters": deadLetters })
    }),
    Effect.logInfo(summaryOf(run)).pipe(
      Effect.annotateLogs({
        checkpointKey: key,
        changed,
        malformed,
        ...(alreadyDelivered === 0 ? {} : { alreadyDelivered }),
        ...(deadLetters === 0 ? {} : { deadLetters }),
        durationMs: durationMillis,
        ...(Option.isSome(previousCheckpoint)
          ? { previousCheckpoint: DateTime.formatIso(previousCheckpoint.value) }
          : {}),
        checkpoint
      })
    )
  )
}

/** One run of the sync job (see `AccountSyncJob.runOnce`). */
export const runOnce = <E, R>(
  options: AccountSyncJobOptions<E, R>
): Effect.Effect<
  AccountSyncRun,
  ReadError | CheckpointCorrupt | PlatformError.PlatformError | E,
  RecotapCrm | KeyValueStore.KeyValueStore | R
> => {
  const key = options.checkpointKey ?? DEFAULT_CHECKPOINT_KEY
  return Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const store = yield* KeyValueStore.KeyValueStore
    const startedAt = yield* Clock.currentTimeMillis
    const { delivered, previousCheckpoint, storedLetters } = yield* readJobState(store, key)
    const overlap = options.overlap ?? DEFAULT_SYNC_OVERLAP
    const params = yield* reachBack({
      ...(Option.isSome(previousCheckpoint) ? { lastSync: previousCheckpoint.value } : {}),
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      overlap
    }, "/accounts")
    const progress = new Progress(delivered, storedLetters)

    yield* Stream.runForEach(crm.accounts.pages(params), pageHandler(options, progress, startedAt))

    const maxDeadLetters = options.maxDeadLetters ?? DEFAULT_MAX_DEAD_LETTERS
    const kept = yield* storeJobState(
      store,
      key,
      progress,
      { startedAt, overlap, maxDeadLetters },
      storedLetters.length > 0
    )
    const run: AccountSyncRun = {
      changed: progress.changed,
      malformed: progress.malformed,
      alreadyDelivered: progress.alreadyDelivered,
      deadLetters: kept.deadLetters,
      previousCheckpoint,
      checkpoint: kept.stored,
      durationMillis: (yield* Clock.currentTimeMillis) - startedAt
    }
    yield* reportRun(key, run)
    yield* countSyncRecords(key, run)
    return run
  }).pipe(
    Effect.onExit(countSyncRun),
    Effect.withSpan("RecotapCrm.accounts.syncJob", { attributes: { "recotap.sync.checkpoint_key": key } })
  )
}

// ---------------------------------------------------------------------------- dead letters

const deadLettersKey = (options: JobKey) => stateKeys(options.checkpointKey ?? DEFAULT_CHECKPOINT_KEY).deadLetters

/** The dead letters the job keeps, the most recently seen first. */
export const deadLetters = (
  options: JobKey
): Effect.Effect<
  ReadonlyArray<DeadLetter>,
  CheckpointCorrupt | PlatformError.PlatformError,
  KeyValueStore.KeyValueStore
> =>
  Effect.flatMap(KeyValueStore.KeyValueStore, (store) => readDeadLetters(store, deadLettersKey(options))).pipe(
    Effect.map((letters) => boundLetters(letters, letters.length).kept)
  )

/** Rewrites the dead letters: those `keep` answers `true` for stay. */
const rewriteLetters = <E, R>(
  options: JobKey,
  keep: (letter: DeadLetter) => Effect.Effect<boolean, E, R>
): Effect.Effect<number, E | CheckpointCorrupt | PlatformError.PlatformError, KeyValueStore.KeyValueStore | R> =>
  Effect.gen(function*() {
    const store = yield* KeyValueStore.KeyValueStore
    const key = deadLettersKey(options)
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

/** Lets go of the dead letters with these ids; answers how many there were. */
export const dropDeadLetters = (
  ids: Iterable<string>,
  options: JobKey
): Effect.Effect<number, CheckpointCorrupt | PlatformError.PlatformError, KeyValueStore.KeyValueStore> => {
  const drop = new Set(ids)
  return rewriteLetters(options, (letter) => Effect.succeed(!drop.has(letter.id)))
}

/** Reads each dead letter again; those that read as accounts go to `onAccount` and are let go. */
export const retryDeadLetters = <E, R>(
  onAccount: (account: Account) => Effect.Effect<void, E, R>,
  options: JobKey
): Effect.Effect<number, E | CheckpointCorrupt | PlatformError.PlatformError, KeyValueStore.KeyValueStore | R> =>
  rewriteLetters(options, (letter) =>
    Option.match(readAccount(letter.record.raw), {
      onNone: () => Effect.succeed(true),
      onSome: (account) => Effect.as(onAccount(account), false)
    }))
