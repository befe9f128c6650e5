/**
 * Lists the five best-scored accounts, page by page, and handles every failure by tag.
 *
 *   npx tsx examples/list-accounts.ts          # against the in-memory simulator, seeded with sample accounts
 *   npx tsx examples/list-accounts.ts --live   # against Recotap: needs RECOTAP_API_KEY (and RECOTAP_BASE_URL)
 *
 * The program depends on `RecotapCrm` only: which layer stands behind it is chosen at the end.
 */
import { Chunk, Console, Effect, Layer, Order, Stream } from "effect"
import { type Account, RecotapCrm } from "effect-recotap"
import { demoAccounts, demoScores, RecotapSimulator } from "effect-recotap/simulator"

const byScore = Order.reverse(Order.mapInput(Order.number, (account: Account) => account.rtp_account_score))

const program = Effect.gen(function*() {
  const crm = yield* RecotapCrm
  const accounts = yield* crm.accounts.stream({ limit: 3 }).pipe(Stream.runCollect)
  for (const account of Chunk.take(Chunk.sort(accounts, byScore), 5)) {
    const stage = account.rtp_journey_stage === "" ? "(not yet scored)" : account.rtp_journey_stage
    yield* Console.log(`${account.domain.padEnd(20)} score ${String(account.rtp_account_score).padStart(3)}  ${stage}`)
  }
}).pipe(
  Effect.catchTags({
    MissingApiKey: (error) => Console.error(`No key: ${error.message}`),
    InvalidApiKey: (error) => Console.error(`Key refused: ${error.message}`),
    TransportError: (error) => Console.error(`Recotap unavailable (${error.reason}): ${error.message}`)
  })
)

/** The real client over an in-memory simulator, seeded with sample accounts and their scores. */
const simulated = Layer.effectDiscard(
  Effect.map(RecotapSimulator, (sim) => {
    sim.seedAccounts(demoAccounts)
    for (const [domain, scores] of demoScores) sim.setScores(domain, scores)
  })
).pipe(Layer.provideMerge(RecotapSimulator.layerCrm()))

const layer = process.argv.includes("--live") ? RecotapCrm.live : simulated

Effect.runPromise(program.pipe(Effect.provide(layer))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
