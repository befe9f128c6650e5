/**
 * A minimal Recotap server for the benchmarks, run in its own process (so that its CPU is not
 * charged to the client): plain `node:http` on 127.0.0.1, the documented envelope (the API
 * reference, §1.4), keyset pages of realistic accounts (§1.6, §2.1), per-item push results (§2.2).
 *
 *   tsx bench/server.ts [--port 0] [--key bench-key] [--latency 0] [--total 1000000] [--preserialise 200]
 *
 * Forked by the benchmarks, it reports `{ type: "ready", port }` over IPC and exits when its
 * parent goes away; run by hand, it prints the port.
 *
 * Options per request, as leading path segments, so that a client whose query string is checked
 * can use them through its base URL: `/latency/<ms>/total/<n>/api/v1/crm/accounts`. `?latency=`
 * in the query works too. `latency` is a fixed delay before the answer; `total` the number of
 * accounts `GET /accounts` pages through (generated from their index, nothing stored).
 *
 * Routes (any prefix before `/accounts` is accepted, e.g. `/api/v1/crm`):
 * - `GET  …/accounts?limit=&cursor=`: the page after `cursor` (the `rtp_aid` of the previous
 *   page's last account; `nextCursor` stays set on the last page, as seen live).
 * - `POST …/accounts` `{ accounts: [...] }` (1–100): `{ results: [{ externalId, rtp_aid, domain, status: "created" }], summary }`.
 * Every request needs `X-Api-Key`. The first `--preserialise` pages of 100 are serialised at startup.
 */
import * as http from "node:http"
import { accountAt, indexOfRtpAid, rtpAidOf } from "./lib/accounts.js"

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1]! : fallback
}

const KEY = argument("key", "bench-key")
const DEFAULT_LATENCY = Number(argument("latency", "0"))
const DEFAULT_TOTAL = Number(argument("total", "1000000"))
const PRESERIALISE = Number(argument("preserialise", "200"))
const MAX_LIMIT = 1_000
/** Pages built on demand are kept only up to this many accounts in (the benchmarks' hot range). */
const CACHE_ACCOUNTS = 20_000
const MAX_CACHED = 2_000

// Fixed at startup: the pages are pre-serialised, so their timestamps do not move.
const STARTED = new Date().toISOString()

let requests = 0

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" }

const send = (response: http.ServerResponse, status: number, body: Buffer | string, latency: number) => {
  const bytes = typeof body === "string" ? Buffer.from(body) : body
  const write = () => {
    response.writeHead(status, { ...JSON_HEADERS, "content-length": bytes.length })
    response.end(bytes)
  }
  if (latency > 0) setTimeout(write, latency)
  else write()
}

const envelope = (status: number, path: string, data: string) =>
  `{"statusCode":${status},"timestamp":"${STARTED}","path":${JSON.stringify(path)},"data":${data}}`

const errorBody = (status: number, path: string, message: string, customMessage?: string) =>
  JSON.stringify({
    statusCode: status,
    timestamp: new Date().toISOString(),
    path,
    message,
    ...(customMessage === undefined ? {} : { customMessage }),
    data: null
  })

/** The page of `limit` accounts from `offset` on, of `total`, as the whole response body. */
const buildPage = (path: string, offset: number, limit: number, total: number): Buffer => {
  const end = Math.min(offset + limit, total)
  const items: Array<string> = []
  for (let i = offset; i < end; i++) items.push(JSON.stringify(accountAt(i)))
  const last = end > offset ? end - 1 : offset - 1
  const nextCursor = last >= 0 ? JSON.stringify(rtpAidOf(last)) : "null"
  const data = `{"data":[${items.join(",")}],"nextCursor":${nextCursor},"hasNextPage":${
    end < total
  },"syncTimestamp":"${STARTED}"}`
  return Buffer.from(envelope(200, path, data))
}

const cache = new Map<string, Buffer>()
const pageOf = (path: string, offset: number, limit: number, total: number): Buffer => {
  if (offset >= CACHE_ACCOUNTS) return buildPage(path, offset, limit, total)
  const key = `${path}|${offset}|${limit}|${total}`
  let page = cache.get(key)
  if (page === undefined) {
    page = buildPage(path, offset, limit, total)
    if (cache.size >= MAX_CACHED) cache.clear()
    cache.set(key, page)
  }
  return page
}

/** Splits `/latency/5/total/1000/api/v1/crm/accounts` into its options and the API path. */
const parsePath = (pathname: string) => {
  const segments = pathname.split("/")
  let latency = DEFAULT_LATENCY
  let total = DEFAULT_TOTAL
  let at = 1
  while (at + 1 < segments.length && (segments[at] === "latency" || segments[at] === "total")) {
    const value = Number(segments[at + 1])
    if (Number.isFinite(value) && value >= 0) {
      if (segments[at] === "latency") latency = value
      else total = Math.floor(value)
    }
    at += 2
  }
  return { latency, total, apiPath: `/${segments.slice(at).join("/")}` }
}

const listAccounts = (url: URL, apiPath: string, total: number, latency: number, response: http.ServerResponse) => {
  const limitText = url.searchParams.get("limit")
  const limit = limitText === null ? 100 : Number(limitText)
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return send(response, 400, errorBody(400, apiPath, "Bad Request", "limit must be a positive integer"), latency)
  }
  const cursor = url.searchParams.get("cursor")
  let offset = 0
  if (cursor !== null) {
    const index = indexOfRtpAid(cursor)
    if (index === undefined) {
      return send(response, 400, errorBody(400, apiPath, "Bad Request", "Invalid cursor"), latency)
    }
    offset = index + 1
  }
  send(response, 200, pageOf(apiPath, offset, limit, total), latency)
}

let pushed = 0
const pushAccounts = (body: string, apiPath: string, latency: number, response: http.ServerResponse) => {
  let parsed: unknown
  try {
    parsed = JSON.parse(body)
  } catch {
    return send(response, 400, errorBody(400, apiPath, "Bad Request", "the body is not JSON"), latency)
  }
  const accounts = (parsed as { accounts?: unknown } | null)?.accounts
  if (!Array.isArray(accounts) || accounts.length < 1 || accounts.length > 100) {
    return send(
      response,
      400,
      JSON.stringify({
        statusCode: 400,
        timestamp: new Date().toISOString(),
        path: apiPath,
        message: "Bad Request",
        data: [{
          property: "accounts",
          constraints: { arrayMaxSize: "accounts must contain no more than 100 elements" }
        }]
      }),
      latency
    )
  }
  const results = accounts.map((item: { externalId?: unknown; domain?: unknown }) => ({
    externalId: typeof item.externalId === "string" ? item.externalId : null,
    rtp_aid: rtpAidOf(0x800000000 + pushed++),
    domain: typeof item.domain === "string" ? item.domain.toLowerCase() : null,
    status: "created"
  }))
  const data = JSON.stringify({ results, summary: { total: results.length, created: results.length, failed: 0 } })
  send(response, 200, envelope(200, apiPath, data), latency)
}

const server = http.createServer((request, response) => {
  requests++
  const url = new URL(request.url ?? "/", "http://127.0.0.1")
  const { apiPath, latency: pathLatency, total } = parsePath(url.pathname)
  const latencyText = url.searchParams.get("latency")
  const latency = latencyText === null ? pathLatency : Number(latencyText)
  const chunks: Array<Buffer> = []
  request.on("data", (chunk: Buffer) => chunks.push(chunk))
  request.on("error", () => response.destroy())
  request.on("end", () => {
    const key = request.headers["x-api-key"]
    if (key === undefined || key === "") {
      return send(response, 401, errorBody(401, apiPath, "Unauthorized", "X-Api-Key header is required"), latency)
    }
    if (key !== KEY) return send(response, 401, errorBody(401, apiPath, "Unauthorized", "Invalid API key"), latency)
    const isAccounts = apiPath === "/accounts" || apiPath.endsWith("/accounts")
    if (isAccounts && request.method === "GET") return listAccounts(url, apiPath, total, latency, response)
    if (isAccounts && request.method === "POST") {
      return pushAccounts(Buffer.concat(chunks).toString("utf8"), apiPath, latency, response)
    }
    send(
      response,
      404,
      JSON.stringify({ message: `Cannot ${request.method} ${apiPath}`, error: "Not Found", statusCode: 404 }),
      0
    )
  })
})
// Connections stay open between rounds: every variant reuses its pool as a real client would.
server.keepAliveTimeout = 120_000
server.headersTimeout = 121_000

for (let page = 0; page < PRESERIALISE; page++) pageOf("/api/v1/crm/accounts", page * 100, 100, DEFAULT_TOTAL)

process.on("disconnect", () => process.exit(0))
process.on("message", (message: { type?: string }) => {
  if (message.type === "stats") {
    const cpu = process.cpuUsage()
    process.send?.({ type: "stats", requests, cpuMicros: cpu.user + cpu.system, rssBytes: process.memoryUsage.rss() })
  }
})

server.listen(Number(argument("port", "0")), "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  if (process.send !== undefined) process.send({ type: "ready", port })
  else console.log(`bench server on http://127.0.0.1:${port}/api/v1/crm (key ${KEY})`)
})
