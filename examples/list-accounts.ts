/**
 * Lists accounts with their Recotap scores, page by page, and handles every failure by tag.
 *
 *   npx tsx examples/list-accounts.ts          # against an in-process fake Recotap
 *   npx tsx examples/list-accounts.ts --live   # against Recotap: needs RECOTAP_API_KEY (and RECOTAP_BASE_URL)
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { Console, Effect, Layer, Redacted, Stream } from "effect"
import { ApiKey, RecotapCrm } from "effect-recotap"

const program = Effect.gen(function*() {
  const crm = yield* RecotapCrm
  const accounts = yield* crm.accounts.stream({ limit: 2 }).pipe(Stream.take(5), Stream.runCollect)
  for (const account of accounts) {
    yield* Console.log(
      `${account.domain.padEnd(16)} score ${String(account.rtp_account_score).padStart(3)}  ${account.rtp_journey_stage || "(not yet scored)"}`
    )
  }
}).pipe(
  Effect.catchTags({
    MissingApiKey: (error) => Console.error(`No key: ${error.message}`),
    InvalidApiKey: (error) => Console.error(`Key refused: ${error.message}`),
    TransportError: (error) => Console.error(`Recotap unreachable (${error.reason}): ${error.message}`)
  })
)

/** A tiny stand-in for Recotap: three pages of accounts, answered in process. */
const fakeRecotap = Layer.succeed(
  HttpClient.HttpClient,
  HttpClient.make((request, url) => {
    const stages = ["Aware", "Consideration", "Opportunity"]
    const all = ["acme.com", "globex.com", "initech.com", "umbrella.com", "hooli.com"].map((domain, i) => ({
      externalId: `crm-00${i + 1}`,
      name: domain.split(".")[0]!,
      domain,
      rtp_aid: `6a21b8855a81c5893637${1000 + i}`,
      rtp_account_score: 90 - i * 17,
      rtp_journey_stage: stages[i % 3]!
    }))
    const from = Number(url.searchParams.get("cursor") ?? 0)
    const limit = Number(url.searchParams.get("limit") ?? 100)
    const data = all.slice(from, from + limit)
    const body = {
      statusCode: 200,
      timestamp: new Date().toISOString(),
      path: url.pathname,
      data: { data, nextCursor: String(from + data.length), hasNextPage: from + limit < all.length }
    }
    return Effect.succeed(HttpClientResponse.fromWeb(request, Response.json(body)))
  })
)

const live = process.argv.includes("--live")
const layer = live
  ? RecotapCrm.live
  : RecotapCrm.layer.pipe(Layer.provide(Layer.merge(fakeRecotap, ApiKey.layer(Redacted.make("demo-key")))))

Effect.runPromise(program.pipe(Effect.provide(layer)))
