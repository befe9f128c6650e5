/**
 * `effect-recotap conformance`: the read-only contract checks of the API reference, run against
 * any base URL, each saying whether the client's assumption holds there. Envelopes, paging,
 * 401s, route-not-found and error shapes are checked on the raw answers; the resources the
 * client reads (journey stages, custom fields, segments, deal stages) by the client itself, and
 * (with `--allow-writes`, on the sandbox or a loopback simulator only) one account pushed.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { ApiKey } from "../../ApiKey.js"
import { RecotapConfig, type Revision } from "../../RecotapConfig.js"
import { RecotapCrm } from "../../RecotapCrm.js"
import type { ReadError } from "../../RecotapError.js"
import { parseJson, readErrorBody } from "../envelope.js"
import { unservedRoute } from "../routeNotFound.js"
import { makeScrubber } from "../scrubKey.js"
import { clip } from "./check.js"

/** How one check came out. */
export type Outcome = "holds" | "differs" | "skipped" | "unreachable"

/** One check: the client's assumption, and what the server did. */
export interface Result {
  readonly name: string
  readonly assumption: string
  readonly outcome: Outcome
  readonly detail: string
}

/** Where to run the checks, and with what. */
export interface Target {
  readonly baseUrl: string
  readonly revision: Revision
  readonly key: Redacted.Redacted<string>
  readonly timeout: Duration.Duration
  /** Also push one account (only the sandbox, or a simulator on loopback, allows it). */
  readonly allowWrites: boolean
}

/** A raw answer: its status, and its body (scrubbed of the key) as text and as JSON. */
interface Answer {
  readonly status: number
  readonly text: string
  readonly json: Option.Option<unknown>
}

const Envelope = Schema.Struct({
  statusCode: Schema.Number,
  timestamp: Schema.String,
  path: Schema.String,
  data: Schema.Unknown
})

const Page = Schema.Struct({
  data: Schema.Array(Schema.Unknown),
  nextCursor: Schema.NullOr(Schema.String),
  hasNextPage: Schema.Boolean,
  syncTimestamp: Schema.optional(Schema.String)
})

const ErrorEnvelope = Schema.Struct({ statusCode: Schema.Number, message: Schema.Unknown })

const AccountIds = Schema.Array(Schema.Struct({ rtp_aid: Schema.String }))

const is = <A, I>(schema: Schema.Schema<A, I>) => Schema.is(Schema.typeSchema(schema))

const result = (name: string, assumption: string) => (outcome: Outcome, detail: string): Result => ({
  name,
  assumption,
  outcome,
  detail
})

/** What a server said in an error body: its `customMessage`, else its `message`, else the text. */
const said = (answer: Answer): string =>
  Option.match(Option.flatMap(answer.json, readErrorBody), {
    onNone: () => clip(answer.text.trim(), 120),
    onSome: (error) => clip(error.customMessage ?? error.serverMessage, 120)
  })

/** Raw reads of one target: the key scrubbed from every text they answer. */
interface Probe {
  readonly key: string
  /** `text` with the key scrubbed out. */
  readonly scrub: (text: string) => string
  /** `GET path`, with `sendKey` as `X-Api-Key` (none when undefined); a timeout answers status 0. */
  readonly get: (path: string, sendKey: string | undefined) => Effect.Effect<Answer, HttpClientError.HttpClientError>
  /** The result of a check that met a transport error. */
  readonly unreachable: (
    check: (outcome: Outcome, detail: string) => Result
  ) => (error: HttpClientError.HttpClientError) => Effect.Effect<Result>
}

const makeProbe = (target: Target): Effect.Effect<Probe, never, HttpClient.HttpClient> =>
  Effect.map(HttpClient.HttpClient, (http) => {
    const scrub = makeScrubber()
    const key = Redacted.value(target.key)
    const get = (path: string, sendKey: string | undefined): Effect.Effect<Answer, HttpClientError.HttpClientError> =>
      http.get(`${target.baseUrl}${path}`, { headers: sendKey === undefined ? {} : { "x-api-key": sendKey } }).pipe(
        Effect.flatMap((response) =>
          Effect.map(response.text, (body) => {
            const text = scrub(body, key)
            return { status: response.status, text, json: parseJson(text) }
          })
        ),
        Effect.timeoutFail({
          duration: target.timeout,
          onTimeout: () => new TimeoutAnswer()
        }),
        Effect.catchTag("TimeoutAnswer", () => Effect.succeed<Answer>({ status: 0, text: "", json: Option.none() }))
      )
    const unreachable =
      (check: (outcome: Outcome, detail: string) => Result) => (error: HttpClientError.HttpClientError) =>
        Effect.succeed(check("unreachable", clip(scrub(error.message, key), 160)))
    return { key, scrub: (text: string) => scrub(text, key), get, unreachable }
  })

const envelope = result(
  "envelope",
  "GET /accounts answers { statusCode, timestamp, path, data: { data, nextCursor, hasNextPage, syncTimestamp } }"
)

/** The first page, read raw: whether its body is the documented envelope around a page. */
const envelopeCheck = (first: Either.Either<Answer, HttpClientError.HttpClientError>, probe: Probe): Result =>
  first._tag === "Left"
    ? envelope("unreachable", clip(probe.scrub(first.left.message), 160))
    : first.right.status !== 200
    ? envelope("differs", `answered ${first.right.status}: ${said(first.right)}`)
    : Option.match(first.right.json, {
      onNone: () => envelope("differs", `the body is not JSON: ${clip(first.right.text, 80)}`),
      onSome: (body) =>
        !is(Envelope)(body)
          ? envelope("differs", "the body is not the envelope")
          : !is(Page)(body.data)
          ? envelope("differs", "data is not a page { data, nextCursor, hasNextPage }")
          : envelope(
            "holds",
            body.data.syncTimestamp === undefined ? "without syncTimestamp" : "with syncTimestamp"
          )
    })

const paging = result("paging", "paging follows hasNextPage: the next cursor gives other accounts")

/** The page after the first one (when the envelope held): it must not repeat the first page's accounts. */
const pagingCheck = (first: Answer | undefined, probe: Probe): Effect.Effect<Result> =>
  Effect.gen(function*() {
    const page = first === undefined ? undefined : Option.getOrUndefined(first.json)
    if (page === undefined) return paging("skipped", "the first page did not read")
    const body = is(Envelope)(page) && is(Page)(page.data) ? page.data : undefined
    if (body === undefined || !body.hasNextPage || body.nextCursor === null) {
      return paging("skipped", "one page only (fewer than two accounts)")
    }
    const next = yield* probe.get(`/accounts?limit=1&cursor=${encodeURIComponent(body.nextCursor)}`, probe.key)
    const nextBody = Option.getOrUndefined(next.json)
    const ids = (records: ReadonlyArray<unknown>) => is(AccountIds)(records) ? records.map((r) => r.rtp_aid) : []
    if (next.status !== 200 || !is(Envelope)(nextBody) || !is(Page)(nextBody.data)) {
      return paging("differs", `the next page answered ${next.status}: ${said(next)}`)
    }
    const repeated = ids(nextBody.data.data).filter((id) => ids(body.data).includes(id))
    return repeated.length > 0
      ? paging("differs", `the next page repeats ${repeated.length} account(s)`)
      : paging("holds", nextBody.data.hasNextPage ? "two pages read" : "two pages read, the last one")
  }).pipe(Effect.catchAll(probe.unreachable(paging)))

/** A read without the key, or with a wrong one: a 401 in the error envelope with the reference's words. */
const unauthorizedCheck = (probe: Probe, name: string, sendKey: string | undefined, expected: string) => {
  const check = result(name, `answers 401 "${expected}" in the error envelope`)
  return probe.get("/accounts?limit=1", sendKey).pipe(
    Effect.map((answer) =>
      answer.status !== 401
        ? check("differs", `answered ${answer.status}: ${said(answer)}`)
        : !is(ErrorEnvelope)(Option.getOrUndefined(answer.json))
        ? check("differs", `401 without the error envelope: ${said(answer)}`)
        : said(answer) === expected
        ? check("holds", "as the reference says")
        : check(
          "differs",
          `401 "${said(answer)}": the client reads a 401 without the words "${expected}" as ` +
            (expected === "Invalid API key" ? "InvalidApiKey (it does so here too)" : "InvalidApiKey")
        )
    ),
    Effect.catchAll(probe.unreachable(check))
  )
}

const routeResult = result("route not found", "an unknown route answers 404 (read as TransportError RouteNotFound)")

/** An unknown route: a 404. */
const routeCheck = (probe: Probe) =>
  probe.get("/effect-recotap-conformance-no-such-route", probe.key).pipe(
    Effect.map((answer) =>
      answer.status === 404
        ? routeResult("holds", `404: ${unservedRoute(answer.text, false) ?? said(answer)}`)
        : routeResult("differs", `answered ${answer.status}: ${said(answer)}`)
    ),
    Effect.catchAll(probe.unreachable(routeResult))
  )

const badRequestResult = result(
  "error envelope",
  "a refused read (GET /accounts?lastSync=not-a-date) answers 400 { statusCode, message }"
)

/** A refused read: a 400 in the error envelope. */
const badRequestCheck = (probe: Probe) =>
  probe.get("/accounts?lastSync=not-a-date", probe.key).pipe(
    Effect.map((answer) =>
      answer.status !== 400
        ? badRequestResult("differs", `answered ${answer.status}: ${said(answer)}`)
        : is(ErrorEnvelope)(Option.getOrUndefined(answer.json))
        ? badRequestResult("holds", said(answer))
        : badRequestResult("differs", `400 without the error envelope: ${said(answer)}`)
    ),
    Effect.catchAll(probe.unreachable(badRequestResult))
  )

/** Runs every check against `target`, one after the other. */
export const conformance = (target: Target): Effect.Effect<ReadonlyArray<Result>, never, HttpClient.HttpClient> =>
  Effect.gen(function*() {
    const probe = yield* makeProbe(target)
    const first = yield* Effect.either(probe.get("/accounts?limit=1", probe.key))
    const envelopeResult = envelopeCheck(first, probe)
    const readable = first._tag === "Right" && envelopeResult.outcome === "holds" ? first.right : undefined
    const pagingResult = yield* pagingCheck(readable, probe)
    const reads = yield* clientCalls(target)
    return [
      envelopeResult,
      pagingResult,
      yield* unauthorizedCheck(probe, "missing key", undefined, "X-Api-Key header is required"),
      yield* unauthorizedCheck(probe, "invalid key", "effect-recotap-conformance-not-a-key", "Invalid API key"),
      yield* routeCheck(probe),
      yield* badRequestCheck(probe),
      ...reads
    ]
  })

/** An answer that did not come in time. */
class TimeoutAnswer extends Schema.TaggedError<TimeoutAnswer>()("TimeoutAnswer", {}) {}

/**
 * The resources the client reads, read by the client: each read holds when it succeeds; with
 * `allowWrites`, one account pushed too.
 */
const clientCalls = (target: Target): Effect.Effect<ReadonlyArray<Result>, never, HttpClient.HttpClient> => {
  const client = RecotapCrm.layer.pipe(
    Layer.provide(Layer.merge(
      ApiKey.layer(target.key),
      RecotapConfig.layer({
        revision: target.revision,
        baseUrl: target.baseUrl,
        retry: { maxRetries: 0 },
        timeout: target.timeout
      })
    )),
    // The base URL is checked, and this is not a browser.
    Layer.orDie
  )
  const read = <A>(name: string, what: string, call: (crm: RecotapCrm["Type"]) => Effect.Effect<A, ReadError>) => {
    const check = result(name, `the client reads ${what}`)
    return Effect.flatMap(RecotapCrm, call).pipe(
      Effect.as(check("holds", "read")),
      Effect.catchAll((error) => {
        const unanswered = error._tag === "TransportError" &&
          (error.reason === "Transport" || error.reason === "Timeout")
        return Effect.succeed(
          check(unanswered ? "unreachable" : "differs", clip(`${error._tag}: ${error.message}`, 200))
        )
      })
    )
  }
  const push = result("push", "the client pushes an account (POST /accounts) and reads its outcome")
  const pushed = Effect.gen(function*() {
    const crm = yield* RecotapCrm
    const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`
    const { outcomes } = yield* crm.accounts.push([{
      name: "effect-recotap conformance",
      domain: `conformance-${stamp}.example.com`,
      externalId: `effect-recotap-conformance-${stamp}`
    }])
    const [outcome] = outcomes
    return outcome?._tag === "Applied"
      ? push("holds", `Applied (${outcome.status}): conformance-${stamp}.example.com`)
      : push("differs", outcome === undefined ? "no outcome" : `${outcome._tag}: ${clip(String(outcome.error), 160)}`)
  }).pipe(Effect.catchAll((error) => Effect.succeed(push("differs", clip(`${error._tag}: ${error.message}`, 200)))))
  return Effect.all([
    read("journey stages", "GET /journey-stages", (crm) => crm.journeyStages.list()),
    read("custom fields", "GET /accounts/custom-fields", (crm) => crm.customFields.list()),
    read("segments", "GET /segments", (crm) => crm.segments.list({ limit: 1 })),
    read("deal stages", "GET /deal-stages", (crm) => crm.dealStages.list()),
    ...(target.allowWrites ? [pushed] : [])
  ]).pipe(Effect.provide(client))
}

/**
 * Exit codes of `conformance`: every assumption holds (or was skipped); one differs (or did not
 * answer); nothing answered.
 */
export const CONFORMANCE_EXIT = { holds: 0, differs: 1, unanswered: 2 } as const

/** The report, in lines, and the exit code. */
export const conformanceReport = (
  target: Target,
  results: ReadonlyArray<Result>
): { readonly lines: ReadonlyArray<string>; readonly exitCode: number } => {
  const width = Math.max(...results.map((r) => r.name.length))
  const counts = (outcome: Outcome) => results.filter((r) => r.outcome === outcome).length
  const lines = [
    `Conformance of ${target.baseUrl} (${target.revision} revision) to what the client assumes` +
    (target.allowWrites ? " (writes allowed: one account pushed):" : " (read-only):"),
    "",
    ...results.flatMap((r) => [
      `  ${r.outcome.padEnd(11)} ${r.name.padEnd(width)}  ${r.assumption}`,
      `  ${"".padEnd(11)} ${"".padEnd(width)}  ${r.detail}`
    ]),
    "",
    `${counts("holds")} hold, ${counts("differs")} differ, ${counts("skipped")} skipped, ${
      counts("unreachable")
    } unreachable.`
  ]
  // Nothing answered when no check got an answer to judge.
  const exitCode = counts("holds") + counts("differs") === 0
    ? CONFORMANCE_EXIT.unanswered
    : counts("differs") + counts("unreachable") > 0
    ? CONFORMANCE_EXIT.differs
    : CONFORMANCE_EXIT.holds
  return { lines, exitCode }
}
