/**
 * The ways of reading a page and pushing a batch that the benchmarks compare: raw `fetch` +
 * `JSON.parse` (the floor), `undici.request` + `JSON.parse`, the bare `@effect/platform`
 * `HttpClient` (FetchHttpClient) + `JSON.parse` (what the Effect HTTP stack alone costs), and
 * `RecotapCrm` built as a user would build it.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Effect, Layer, Redacted } from "effect"
import type { RecotapCrmService } from "effect-recotap"
import type * as EffectRecotap from "effect-recotap"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { request as undiciRequest } from "undici"
import type { PushInput } from "./accounts.js"
import { RESULTS_DIR } from "./harness.js"

export const KEY = "bench-key"

const GET_HEADERS = { "x-api-key": KEY, accept: "application/json" }
const POST_HEADERS = { "x-api-key": KEY, accept: "application/json", "content-type": "application/json" }

/** The `data` of a page of `GET /accounts`, as the raw baselines read it. */
export interface RawPage {
  readonly data: ReadonlyArray<Record<string, unknown>>
  readonly nextCursor: string | null
  readonly hasNextPage: boolean
  readonly syncTimestamp?: string
}

const pageUrl = (baseUrl: string, limit: number, cursor: string | undefined) =>
  `${baseUrl}/accounts?limit=${limit}${cursor === undefined ? "" : `&cursor=${encodeURIComponent(cursor)}`}`

const pageOf = (text: string, status: number): RawPage => {
  if (status !== 200) throw new Error(`GET /accounts answered ${status}: ${text.slice(0, 200)}`)
  return (JSON.parse(text) as { data: RawPage }).data
}

/** One page with `fetch` + `JSON.parse`. */
export const fetchPage = async (baseUrl: string, cursor?: string, limit = 100): Promise<RawPage> => {
  const response = await fetch(pageUrl(baseUrl, limit, cursor), { headers: GET_HEADERS })
  return pageOf(await response.text(), response.status)
}

/** One page with `undici.request` + `JSON.parse`. */
export const undiciPage = async (baseUrl: string, cursor?: string, limit = 100): Promise<RawPage> => {
  const { statusCode, body } = await undiciRequest(pageUrl(baseUrl, limit, cursor), { headers: GET_HEADERS })
  return pageOf(await body.text(), statusCode)
}

/** The bare platform client over `fetch`, built once. */
export const platformClient: HttpClient.HttpClient = Effect.runSync(
  Effect.provide(HttpClient.HttpClient, FetchHttpClient.layer)
)

/** One page with the platform `HttpClient` + `JSON.parse`, run as its own Effect. */
export const platformPage = (baseUrl: string, cursor?: string, limit = 100): Promise<RawPage> =>
  Effect.runPromise(
    platformClient.execute(HttpClientRequest.get(pageUrl(baseUrl, limit, cursor), { headers: GET_HEADERS })).pipe(
      Effect.flatMap((response) => Effect.map(response.text, (text) => pageOf(text, response.status)))
    )
  )

/** Every page from the first, one after another: the hand-written loop. Returns the accounts seen. */
export const fetchLoop = async (
  page: (cursor?: string) => Promise<RawPage>,
  onPage?: (page: RawPage) => Promise<void>
): Promise<number> => {
  let count = 0
  let cursor: string | undefined
  for (let pages = 0; pages < 1_000_000; pages++) {
    const current = await page(cursor)
    count += current.data.length
    if (onPage !== undefined) await onPage(current)
    if (!current.hasNextPage || current.nextCursor === null) return count
    cursor = current.nextCursor
  }
  throw new Error("more than 1,000,000 pages")
}

/** The hand-written loop that asks for page n+1 before handing page n to the consumer. */
export const prefetchingLoop = async (
  page: (cursor?: string) => Promise<RawPage>,
  onPage: (page: RawPage) => Promise<void>
): Promise<number> => {
  let count = 0
  let next: Promise<RawPage> | undefined = page()
  for (let pages = 0; pages < 1_000_000 && next !== undefined; pages++) {
    const current: RawPage = await next
    next = current.hasNextPage && current.nextCursor !== null ? page(current.nextCursor) : undefined
    // Keep a failed prefetch from being an unhandled rejection while the consumer works.
    next?.catch(() => undefined)
    count += current.data.length
    await onPage(current)
  }
  if (next !== undefined) throw new Error("more than 1,000,000 pages")
  return count
}

/** Pushes `inputs` in batches of 100 with `fetch`, `concurrency` requests at once. Returns the results counted. */
export const fetchPush = async (
  baseUrl: string,
  inputs: ReadonlyArray<PushInput>,
  concurrency: number
): Promise<number> => {
  const batches = Math.ceil(inputs.length / 100)
  let next = 0
  let created = 0
  const worker = async () => {
    for (let batch = next++; batch < batches; batch = next++) {
      const response = await fetch(`${baseUrl}/accounts`, {
        method: "POST",
        headers: POST_HEADERS,
        body: JSON.stringify({ accounts: inputs.slice(batch * 100, batch * 100 + 100) })
      })
      const text = await response.text()
      if (response.status !== 200) throw new Error(`POST /accounts answered ${response.status}: ${text.slice(0, 200)}`)
      const { data } = JSON.parse(text) as { data: { results: ReadonlyArray<{ status: string }> } }
      for (const result of data.results) if (result.status === "created") created++
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  return created
}

/**
 * The package as users run it: compiled JavaScript (`npm run bench` compiles src into
 * bench/results/dist first), not src through tsx's transform.
 */
const loadPackage = async (): Promise<typeof EffectRecotap> =>
  import(pathToFileURL(path.join(RESULTS_DIR, "dist", "index.js")).href)

/** `RecotapCrm` as the README builds it, against `baseUrl`, with retries off. */
export const makeCrm = async (baseUrl: string): Promise<RecotapCrmService> => {
  const { ApiKey, RecotapConfig, RecotapCrm } = await loadPackage()
  return Effect.runPromise(
    Effect.provide(
      RecotapCrm,
      RecotapCrm.layer.pipe(
        Layer.provide(Layer.mergeAll(
          ApiKey.layer(Redacted.make(KEY)),
          Layer.orDie(RecotapConfig.layer({ baseUrl, retry: { maxRetries: 0 } })),
          FetchHttpClient.layer
        ))
      )
    )
  )
}
