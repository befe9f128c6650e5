/**
 * The demo: a delta sync of accounts with their Recotap scores.
 *
 *   npm start                         # against a local simulator, seeded with sample data
 *   npx tsx examples/sync.ts --live   # against Recotap: needs RECOTAP_API_KEY (and RECOTAP_BASE_URL)
 *
 * It runs a first full sync, lets Recotap "score" some accounts (the simulator stands in for
 * Recotap's scheduled scoring), then runs a delta sync from the stored checkpoint, which
 * returns only the accounts that changed.
 */
import { Console, DateTime, Effect, Option, Stream } from "effect"
import { type Account, RecotapCrm } from "effect-recotap"
import {
  demoAccounts,
  demoCustomFields,
  demoScores,
  demoSegments,
  RecotapSimulator,
  SimulatorServer
} from "effect-recotap/simulator"

const row = (account: Account) =>
  [
    account.externalId ?? "-",
    account.domain,
    String(account.rtp_account_score),
    account.rtp_journey_stage === "" ? "(not yet scored)" : account.rtp_journey_stage,
    String(account.rtp_website_intent_score)
  ]

const printTable = (title: string, accounts: ReadonlyArray<Account>) => {
  const rows = [["externalId", "domain", "score", "journey stage", "web intent"], ...accounts.map(row)]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((r) => r[column]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ")
  return Console.log([`\n${title}`, line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)].join("\n"))
}

/** One delta sync: every changed account, then the checkpoint for the next run. */
const syncOnce = (lastSync: Option.Option<DateTime.Utc>) =>
  Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const changed: Array<Account> = []
    let checkpoint = lastSync
    yield* crm.accounts.sync(Option.match(lastSync, { onNone: () => ({}), onSome: (at) => ({ lastSync: at }) })).pipe(
      Stream.runForEach((event) =>
        Effect.sync(() => {
          if (event._tag === "Changed") changed.push(event.account)
          else checkpoint = Option.some(event.checkpoint)
        })
      )
    )
    return { changed, checkpoint }
  })

const demo = (scoreAccounts: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const first = yield* syncOnce(Option.none())
    yield* printTable(`Full sync: ${first.changed.length} accounts`, first.changed)
    yield* Console.log(`checkpoint: ${Option.match(first.checkpoint, { onNone: () => "-", onSome: DateTime.formatIso })}`)

    yield* scoreAccounts
    const second = yield* syncOnce(first.checkpoint)
    yield* printTable(`Delta sync since the checkpoint: ${second.changed.length} changed`, second.changed)
  }).pipe(
    Effect.catchTags({
      MissingApiKey: (error) => Console.error(`No API key: ${error.message}`),
      InvalidApiKey: (error) => Console.error(`API key refused: ${error.message}`),
      TransportError: (error) => Console.error(`Recotap unavailable (${error.reason}): ${error.message}`)
    })
  )

/** The simulator as a local HTTP server, seeded with sample data; scoring is simulated between the syncs. */
const simulated = Effect.gen(function*() {
  const sim = yield* RecotapSimulator
  sim.seedCustomFields(demoCustomFields)
  sim.seedAccounts(demoAccounts)
  sim.seedSegments(demoSegments)
  const server = yield* SimulatorServer
  yield* Console.log(`Recotap simulator at ${server.baseUrl} with ${sim.accounts().length} accounts`)
  const scoring = Effect.sync(() => {
    sim.advance("1 day")
    for (const [domain, scores] of demoScores) sim.setScores(domain, scores)
  })
  yield* demo(scoring)
}).pipe(Effect.provide(RecotapSimulator.layerCrmServer()))

const live = demo(Console.log("\n(waiting for Recotap's own scoring is up to you: run again later)")).pipe(
  Effect.provide(RecotapCrm.live)
)

const main: Effect.Effect<void, unknown> = process.argv.includes("--live") ? live : simulated

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
