import * as http from "node:http"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted } from "effect"
import { ApiKey, RecotapConfig, RecotapCrm } from "effect-recotap"

const account = (i: number) => ({
  externalId: `crm-${i}`, name: `Company ${i}`, domain: `company${i}.com`, rtp_aid: i.toString(16).padStart(24, "0"),
  rtp_account_score: i % 100, rtp_journey_stage: "Consideration", rtp_advertising_activity_score: 1, rtp_website_intent_score: 2,
  rtp_g2_intent_score: 3, rtp_bombora_intent_score: 4, rtp_last_account_date: "2026-04-30T09:00:00.000Z",
  customFields: { CRM_STAGE_C: "POC", RENEWAL_DATE_C: null }
})
const body = JSON.stringify({ statusCode: 200, timestamp: "2026-04-30T10:00:00.000Z", path: "/api/v1/crm/accounts",
  data: { data: Array.from({ length: Number(process.env.ACCOUNTS ?? 100) }, (_, i) => account(i)), nextCursor: "x", hasNextPage: false, syncTimestamp: "2026-04-30T10:00:00.000Z" } })
const server = http.createServer((req, res) => { res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }); res.end(body) })
await new Promise<void>((r) => server.listen(0, "127.0.0.1", r))
const port = (server.address() as { port: number }).port
const crm = await Effect.runPromise(Effect.provide(RecotapCrm, RecotapCrm.layer.pipe(Layer.provide(Layer.mergeAll(
  ApiKey.layer(Redacted.make("bench-key-123456")), Layer.orDie(RecotapConfig.layer({ baseUrl: `http://127.0.0.1:${port}/api/v1/crm` })), FetchHttpClient.layer)))))
const N = Number(process.argv[2] ?? 2000)
const rawOnce = async () => { const r = await fetch(`http://127.0.0.1:${port}/api/v1/crm/accounts?limit=100`, { headers: { "x-api-key": "k" } }); return JSON.parse(await r.text()) }
const mode = process.argv[3] ?? "client"
for (let i = 0; i < 200; i++) { await Effect.runPromise(crm.accounts.list({ limit: 100 })); await rawOnce() }
const t0 = performance.now()
const c0 = process.cpuUsage()
for (let i = 0; i < N; i++) {
  if (mode === "client") await Effect.runPromise(crm.accounts.list({ limit: 100 }))
  else await rawOnce()
}
const cpu = process.cpuUsage(c0)
console.log(mode, ((performance.now() - t0) / N).toFixed(3), "ms/call", ((cpu.user + cpu.system) / 1000 / N).toFixed(3), "cpu ms/call")
server.close()
