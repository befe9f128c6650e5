/**
 * A first program: the real client over the simulator that ships with the package, in memory,
 * with no key and no network. `npx tsx examples/first-program.ts`
 */
import { Effect } from "effect"
import { RecotapCrm } from "effect-recotap"
import { RecotapSimulator } from "effect-recotap/simulator"

const program = Effect.gen(function*() {
  // The simulator stands in for a workspace: seed it as Recotap would hold it.
  const sim = yield* RecotapSimulator
  sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
  sim.setScores("acme.com", { rtp_account_score: 82, rtp_journey_stage: "Opportunity" })

  // Your code sees only RecotapCrm: the same with a real key.
  const crm = yield* RecotapCrm
  const page = yield* crm.accounts.list()
  for (const account of page.data) {
    console.log(`${account.domain}: score ${account.rtp_account_score}, stage ${account.rtp_journey_stage}`)
  }
})

Effect.runPromise(program.pipe(Effect.provide(RecotapSimulator.layerCrm())))
