/**
 * Typed custom fields, a push that settles through faults, and a sync job that survives a crash,
 * all on the in-memory simulator:
 *
 *   npx tsx examples/crm-sync.ts
 *
 * 1. The workspace's custom fields are declared once, as schemas, and ensured (created when
 *    missing); a second `ensure` changes nothing.
 * 2. Typed accounts are pushed with `BulkSettle.settleAccountPush` while the simulator resets the
 *    connection before one send is applied and cuts the answer after another is: every account
 *    ends applied, read back where the answer was lost. A wrongly typed value from an untyped
 *    caller is `Invalid`, never sent.
 * 3. `AccountSyncJob` runs on a schedule over one `KeyValueStore`: a first run stores a
 *    checkpoint; Recotap re-scores two accounts; the next run crashes halfway (its handler fails),
 *    so the checkpoint stays; the run after it resumes from the stored checkpoint and delivers
 *    both changes again.
 */
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import { Console, DateTime, Effect, Layer, Option, Schedule } from "effect"
import { AccountSyncJob, BulkSettle, CustomFieldSchema } from "effect-recotap"
import { Fault, RecotapSimulator } from "effect-recotap/simulator"

// ---------------------------------------------------------------------------- 1. the declaration

const Fields = CustomFieldSchema.declare({
  CONTRACT_VALUE_C: CustomFieldSchema.number({ label: "Contract Value", description: "ARR in USD" }),
  DEAL_SOURCE_C: CustomFieldSchema.singleSelection(["Inbound", "Outbound", "Partner"]),
  RENEWAL_DATE_C: CustomFieldSchema.date()
})

type AccountToPush = CustomFieldSchema.TypedAccountInput<typeof Fields.fields>

const accounts: ReadonlyArray<AccountToPush> = [
  ["crm-001", "Acme", "acme.com", 125_000, "Inbound", "2026-09-30"],
  ["crm-002", "Globex", "globex.com", 48_000, "Outbound", "2026-12-31"],
  ["crm-003", "Initech", "initech.com", 9_500, "Partner", "2027-03-31"],
  ["crm-004", "Umbrella", "umbrella.com", 310_000, "Inbound", "2026-11-15"]
].map(([externalId, name, domain, value, source, renewal]) => ({
  externalId: externalId as string,
  name: name as string,
  domain: domain as string,
  customFields: {
    CONTRACT_VALUE_C: value as number,
    DEAL_SOURCE_C: source as "Inbound" | "Outbound" | "Partner",
    RENEWAL_DATE_C: DateTime.unsafeMake(`${renewal as string}T00:00:00Z`)
  }
}))

const ensureFields = Effect.gen(function*() {
  const crm = yield* CustomFieldSchema.typed(Fields)
  yield* Console.log("\n1. Custom fields, declared once and ensured")
  const first = yield* crm.ensure
  yield* Console.log(
    `   created: ${first.created.map((f) => `${f.key} (${f.labelType})`).join(", ")}; ` +
      `already there: ${first.existing.map((f) => f.key).join(", ") || "none"}`
  )
  const second = yield* crm.ensure
  yield* Console.log(`   second run: ${second.created.length} created, ${second.existing.length} already there`)
})

// ---------------------------------------------------------------------------- 2. a push that settles

const pushTyped = Effect.gen(function*() {
  const sim = yield* RecotapSimulator
  const crm = yield* CustomFieldSchema.typed(Fields)
  yield* Console.log("\n2. A push of typed accounts that settles")

  // An untyped caller's wrong value is refused here, before anything is sent.
  const wrong = { externalId: "crm-999", name: "Hooli", domain: "hooli.com", customFields: { CONTRACT_VALUE_C: "1M" } }
  const refused = yield* crm.accounts.push([wrong as unknown as AccountToPush])
  for (const outcome of refused.outcomes) {
    if (outcome._tag === "Invalid") yield* Console.log(`   refused locally, not sent: ${outcome.error}`)
  }

  // Encoded by the declared schemas, then settled: the first send is reset before Recotap applies
  // it, the resend is applied but its answer is cut off; the read-back finds it applied.
  const encode = CustomFieldSchema.encodeAccountInput(Fields)
  const inputs = yield* Effect.forEach(accounts, (account) => encode(account))
  sim.faults.script("POST /accounts", Fault.reset(), Fault.truncated())
  yield* Console.log("   faults: POST /accounts reset (before it is applied), then truncated (after)")
  const settled = yield* BulkSettle.settleAccountPush(inputs, { backoff: "20 millis" })
  for (const outcome of settled.outcomes) {
    const how = outcome.history.map((step) =>
      step._tag === "Sent" ? `sent → ${step.outcome}` : `read back → ${step.found}`
    )
    const domain = inputs[outcome.index]?.domain ?? "?"
    yield* Console.log(`   ${domain.padEnd(13)} ${outcome._tag.padEnd(8)} ${how.join(", ")}`)
  }
  yield* Console.log(`   summary: ${JSON.stringify(settled.summary)}`)

  const page = yield* crm.accounts.list()
  for (const account of page.data) {
    const { CONTRACT_VALUE_C, DEAL_SOURCE_C, RENEWAL_DATE_C } = account.customFields
    yield* Console.log(
      `   read back typed: ${account.domain.padEnd(13)} ${String(CONTRACT_VALUE_C).padStart(7)} ${DEAL_SOURCE_C} ` +
        `renews ${RENEWAL_DATE_C === undefined ? "-" : DateTime.formatIsoDate(RENEWAL_DATE_C)}`
    )
  }
})

// ---------------------------------------------------------------------------- 3. a sync job that survives a crash

const syncJob = Effect.gen(function*() {
  const sim = yield* RecotapSimulator
  const store = yield* KeyValueStore.KeyValueStore
  const decode = CustomFieldSchema.decodeAccount(Fields)
  yield* Console.log("\n3. A scheduled sync job, its checkpoint in a KeyValueStore")

  const first = yield* AccountSyncJob.runOnce({ onAccount: () => Effect.void })
  yield* Console.log(`   initial run: ${first.changed} accounts, checkpoint ${DateTime.formatIso(first.checkpoint)}`)

  sim.advance("1 hour")
  sim.setScores("acme.com", { rtp_account_score: 82, rtp_journey_stage: "Opportunity" })
  sim.setScores("initech.com", { rtp_account_score: 64, rtp_journey_stage: "Consideration" })
  yield* Console.log("   ... an hour later, Recotap has re-scored acme.com and initech.com")

  let handled = 0
  let crashed = false
  const job = AccountSyncJob.schedule(
    {
      onAccount: (account) =>
        Effect.gen(function*() {
          // The first scheduled run "crashes" after its first account: the run fails, so the
          // checkpoint is not moved; the next run delivers the same changes again.
          if (!crashed && handled === 1) {
            crashed = true
            yield* Console.log("   scheduled run 1: crashed halfway (the handler failed); the checkpoint stays")
            return yield* Effect.fail("simulated crash")
          }
          const typed = decode(account)
          handled++
          yield* Console.log(
            `   scheduled run ${crashed ? 2 : 1}: ${typed.domain} score ${typed.rtp_account_score}, ` +
              `contract value ${typed.customFields.CONTRACT_VALUE_C}`
          )
        })
    },
    // The first run at once, then one more, 50 ms after it ends.
    Schedule.spaced("50 millis").pipe(Schedule.intersect(Schedule.recurs(1)))
  )
  yield* job
  const stored = yield* store.get(AccountSyncJob.DEFAULT_CHECKPOINT_KEY)
  yield* Console.log(`   checkpoint stored after run 2: ${Option.getOrElse(stored, () => "-")}`)
})

// ---------------------------------------------------------------------------- all three

const program = Effect.gen(function*() {
  yield* ensureFields
  yield* pushTyped
  yield* syncJob
  yield* Console.log("\ndone")
}).pipe(
  Effect.catchTags({
    CustomFieldMismatch: (error) => Console.error(error.message),
    BadRequest: (error) => Console.error(error.message),
    MissingApiKey: (error) => Console.error(error.message),
    InvalidApiKey: (error) => Console.error(error.message),
    TransportError: (error) => Console.error(error.message),
    CheckpointCorrupt: (error) => Console.error(error.message)
  })
)

const layer = Layer.merge(
  RecotapSimulator.layerCrm({ config: { retry: { maxRetries: 1, baseDelay: "10 millis" } } }),
  KeyValueStore.layerMemory
)

Effect.runPromise(program.pipe(Effect.provide(layer))).catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
