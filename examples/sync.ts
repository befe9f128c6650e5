/**
 * The demo: push accounts from "your CRM" into Recotap, then pull them back with their scores
 * by delta sync.
 *
 *   npm start                          # against a local simulator on a loopback port
 *   npx tsx examples/sync.ts --live    # against Recotap: needs RECOTAP_API_KEY (and RECOTAP_BASE_URL);
 *                                      # add --push-samples to push the sample accounts there too
 *
 * Steps: create the custom fields it uses (an existing one is fine), push sample accounts into a
 * segment, run a full sync, let Recotap score (the simulator stands in for Recotap's scheduled
 * scoring), then run a delta sync from the stored checkpoint: only the re-scored accounts return.
 */
import { ConfigError, Console, DateTime, Effect, Option, Stream } from "effect"
import {
  type Account,
  type AccountInput,
  type BadRequest,
  type CustomFieldInput,
  type InvalidApiKey,
  type MissingApiKey,
  RecotapConfig,
  RecotapCrm,
  type TransportError
} from "effect-recotap"
import { demoAccounts, demoScores, demoSegments, RecotapSimulator, SimulatorServer } from "effect-recotap/simulator"

const customFields: ReadonlyArray<CustomFieldInput> = [
  { label: "Contract Value", labelType: "number", description: "Total contract value in USD" },
  { label: "Deal Source", labelType: "singleSelection", options: ["inbound", "outbound", "partner"] }
]

const sampleAccounts: ReadonlyArray<AccountInput> = demoAccounts.map((account, i) => ({
  externalId: account.externalId,
  name: account.name,
  domain: account.domain,
  tags: account.tags ?? [],
  customFields: { CONTRACT_VALUE_C: 10_000 * (i + 1), DEAL_SOURCE_C: i % 2 === 0 ? "inbound" : "outbound" }
}))

const printTable = (title: string, accounts: ReadonlyArray<Account>) => {
  const rows = [
    ["externalId", "domain", "score", "journey stage", "web intent"],
    ...accounts.map((a) => [
      a.externalId ?? "-",
      a.domain,
      String(a.rtp_account_score),
      a.rtp_journey_stage === "" ? "(not yet scored)" : a.rtp_journey_stage,
      String(a.rtp_website_intent_score)
    ])
  ]
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((r) => r[column]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd()
  return Console.log(
    [`\n${title}`, line(rows[0]!), line(widths.map((w) => "-".repeat(w))), ...rows.slice(1).map(line)].join("\n")
  )
}

/**
 * Pushes the custom fields and the sample accounts: upserting where the revision has `upsert`
 * (External), so the demo can run twice; in the CRM revision an account pushed before comes back
 * `Rejected`.
 */
const pushSamples = (segmentId: string | undefined) =>
  Effect.gen(function*() {
    const crm = yield* RecotapCrm
    for (const field of customFields) {
      yield* crm.customFields.create(field).pipe(
        Effect.tap((created) => Console.log(`custom field ${created.key} created`)),
        Effect.catchTag("Conflict", () => Console.log(`custom field "${field.label}" exists already`))
      )
    }
    const { revision } = yield* RecotapConfig
    const pushed = yield* crm.accounts.push(sampleAccounts, {
      ...(revision === "external" ? { upsert: true } : {}),
      ...(segmentId ? { segmentId } : {})
    })
    yield* Console.log(`pushed ${pushed.summary.total} accounts: ${JSON.stringify(pushed.summary)}`)
    for (const outcome of pushed.outcomes) {
      if (outcome._tag !== "Applied") {
        yield* Console.log(`  #${outcome.index} ${outcome._tag}: ${String(outcome.error)}`)
      }
    }
  })

/** One delta sync: every changed account, then the checkpoint for the next run. */
const syncOnce = (lastSync: Option.Option<DateTime.Utc>) =>
  Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const changed: Array<Account> = []
    let checkpoint = lastSync
    yield* crm.accounts.sync(Option.match(lastSync, { onNone: () => ({}), onSome: (at) => ({ lastSync: at }) })).pipe(
      Stream.runForEach((event) =>
        event._tag === "Malformed"
          ? Console.log(`  unreadable account #${event.record.index}: ${event.record.error}`)
          : Effect.sync(() => {
            if (event._tag === "Changed") changed.push(event.account)
            else checkpoint = Option.some(event.checkpoint)
          })
      )
    )
    return { changed, checkpoint }
  })

const pullTwice = (waitForScoring: Effect.Effect<void>) =>
  Effect.gen(function*() {
    const first = yield* syncOnce(Option.none())
    yield* printTable(`Full sync: ${first.changed.length} accounts`, first.changed)
    yield* Console.log(
      `checkpoint: ${Option.match(first.checkpoint, { onNone: () => "-", onSome: DateTime.formatIso })}`
    )
    yield* waitForScoring
    const second = yield* syncOnce(first.checkpoint)
    yield* printTable(`Delta sync since the checkpoint: ${second.changed.length} changed`, second.changed)
  })

const handleFailures = <A, R>(
  program: Effect.Effect<A, MissingApiKey | InvalidApiKey | TransportError | BadRequest, R>
) =>
  program.pipe(
    Effect.catchTags({
      MissingApiKey: (error) => Console.error(`No API key: ${error.message}`),
      InvalidApiKey: (error) => Console.error(`API key refused: ${error.message}`),
      TransportError: (error) => Console.error(`Recotap unavailable (${error.reason}): ${error.message}`),
      BadRequest: (error) => Console.error(error.message)
    })
  )

/** Against the simulator, served on loopback HTTP; its scoring runs between the two syncs. */
const simulated = Effect.gen(function*() {
  const sim = yield* RecotapSimulator
  const server = yield* SimulatorServer
  sim.seedSegments(demoSegments)
  yield* Console.log(`Recotap simulator at ${server.baseUrl}`)
  const scoring = Effect.sync(() => {
    sim.advance("1 day")
    for (const [domain, scores] of demoScores) sim.setScores(domain, scores)
  }).pipe(Effect.zipRight(Console.log("\n... a day later, Recotap has scored some accounts")))
  // The first sync runs a while after the push: a delta sync reaches back two minutes before its
  // checkpoint (see the README), so accounts written just before it would come again.
  const later = Effect.sync(() => sim.advance("1 hour"))
  yield* handleFailures(
    Effect.zipRight(pushSamples(demoSegments[0]?.segmentId), Effect.zipRight(later, pullTwice(scoring)))
  )
}).pipe(Effect.provide(RecotapSimulator.layerCrmServer()))

const live = handleFailures(
  Effect.zipRight(
    process.argv.includes("--push-samples") ? pushSamples(undefined) : Effect.void,
    pullTwice(Console.log("\n(Recotap scores on a schedule: the delta sync shows what changed meanwhile)"))
  )
).pipe(
  Effect.provide(RecotapCrm.live),
  Effect.catchIf(ConfigError.isConfigError, (error) => Console.error(`Configuration problem: ${String(error)}`))
)

const main: Effect.Effect<void, unknown> = process.argv.includes("--live") ? live : simulated

Effect.runPromise(main).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
