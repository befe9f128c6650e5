/**
 * `effect-recotap check`: which base URL answers for a key. Each candidate (the production base
 * URLs of both revisions and the sandbox, or both revisions' paths on the origin given) gets one
 * harmless read, `GET /accounts?limit=1`, sent by the client itself with no retry, so that its
 * answer is read exactly as a program's would be. Nothing it prints holds the key: the client's
 * errors never do.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { ApiKey } from "../../ApiKey.js"
import type { Revision } from "../../RecotapConfig.js"
import { RecotapConfig } from "../../RecotapConfig.js"
import { RecotapCrm } from "../../RecotapCrm.js"
import { BASE_URLS, SANDBOX_BASE_URL } from "../settings.js"

/** A base URL to try, and the settings that choose it. */
export interface Candidate {
  readonly name: string
  readonly revision: Revision
  readonly baseUrl: string
  readonly settings: string
}

/** Both revisions' paths on `origin`; without one, the production base URLs and the sandbox. */
export const candidates = (origin: string | undefined): ReadonlyArray<Candidate> =>
  origin === undefined
    ? [
      { name: "CRM revision", revision: "crm", baseUrl: BASE_URLS.crm, settings: "RECOTAP_REVISION=crm (the default)" },
      {
        name: "External revision",
        revision: "external",
        baseUrl: BASE_URLS.external,
        settings: "RECOTAP_REVISION=external"
      },
      { name: "sandbox", revision: "external", baseUrl: SANDBOX_BASE_URL, settings: "RECOTAP_SANDBOX=true" }
    ]
    : (["crm", "external"] as const).map((revision) => {
      const baseUrl = `${origin}${revision === "crm" ? "/api/v1/crm" : "/api/v1"}`
      return {
        name: revision === "crm" ? "CRM revision" : "External revision",
        revision,
        baseUrl,
        settings: `RECOTAP_REVISION=${revision} RECOTAP_BASE_URL=${baseUrl}`
      }
    })

/** What one candidate answered. */
export type Verdict =
  | { readonly _tag: "Accepted" }
  | { readonly _tag: "KeyRefused"; readonly detail: string }
  | { readonly _tag: "NotServed"; readonly detail: string }
  | { readonly _tag: "Unreachable"; readonly detail: string }

/** One candidate, its verdict and how long the read took. */
export interface Probe {
  readonly candidate: Candidate
  readonly verdict: Verdict
  readonly millis: number
}

/** `text`, cut to `max` characters. */
export const clip = (text: string, max: number): string => text.length <= max ? text : `${text.slice(0, max)}…`

/** Sends the harmless read to one candidate. */
const probe = (candidate: Candidate, key: Redacted.Redacted<string>, timeout: Duration.Duration) => {
  const client = RecotapCrm.layer.pipe(
    Layer.provide(Layer.merge(
      ApiKey.layer(key),
      RecotapConfig.layer({
        revision: candidate.revision,
        baseUrl: candidate.baseUrl,
        retry: { maxRetries: 0 },
        timeout
      })
    )),
    // The candidates are checked base URLs, and this is not a browser.
    Layer.orDie
  )
  return Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list({ limit: 1 })).pipe(
    Effect.as<Verdict>({ _tag: "Accepted" }),
    Effect.catchTags({
      MissingApiKey: (e) => Effect.succeed<Verdict>({ _tag: "KeyRefused", detail: e.detail }),
      InvalidApiKey: (e) => Effect.succeed<Verdict>({ _tag: "KeyRefused", detail: e.detail }),
      TransportError: (e) =>
        Effect.succeed<Verdict>(
          e.reason === "RouteNotFound"
            ? { _tag: "NotServed", detail: "404, no such route" }
            : { _tag: "Unreachable", detail: clip(`${e.reason}: ${e.detail}`, 160) }
        )
    }),
    Effect.provide(client),
    Effect.timed,
    Effect.map(([took, verdict]): Probe => ({ candidate, verdict, millis: Math.round(Duration.toMillis(took)) }))
  )
}

/** Every candidate, probed one after the other. */
export const check = (
  origin: string | undefined,
  key: Redacted.Redacted<string>,
  timeout: Duration.Duration
): Effect.Effect<ReadonlyArray<Probe>, never, HttpClient.HttpClient> =>
  Effect.forEach(candidates(origin), (candidate) => probe(candidate, key, timeout))

const describe = (verdict: Verdict): string =>
  verdict._tag === "Accepted"
    ? "answers, key accepted"
    : verdict._tag === "KeyRefused"
    ? `answers, key refused (${verdict.detail})`
    : verdict._tag === "NotServed"
    ? `does not serve this revision (${verdict.detail})`
    : `no usable answer (${verdict.detail})`

/** Exit codes of `check`: a base URL accepts the key; the key is refused; nothing answers. */
export const CHECK_EXIT = { accepted: 0, refused: 1, unanswered: 2 } as const

/** The report, in lines, and the exit code. */
export const report = (
  probes: ReadonlyArray<Probe>
): { readonly lines: ReadonlyArray<string>; readonly exitCode: number } => {
  const width = (pick: (probe: Probe) => string) => Math.max(...probes.map((p) => pick(p).length))
  const nameWidth = width((p) => p.candidate.name)
  const urlWidth = width((p) => p.candidate.baseUrl)
  const rows = probes.map((p) =>
    `  ${p.candidate.name.padEnd(nameWidth)}  ${p.candidate.baseUrl.padEnd(urlWidth)}  ${
      `${p.millis} ms`.padStart(8)
    }  ${describe(p.verdict)}`
  )
  const accepted = probes.filter((p) => p.verdict._tag === "Accepted")
  const [first] = accepted
  if (first !== undefined) {
    const others = accepted.slice(1).map((p) => p.candidate.name)
    return {
      lines: [
        ...rows,
        "",
        `The key works with the ${first.candidate.name} at ${first.candidate.baseUrl}${
          others.length > 0 ? ` (and with: ${others.join(", ")})` : ""
        }. Set:`,
        `  ${first.candidate.settings}`
      ],
      exitCode: CHECK_EXIT.accepted
    }
  }
  const refused = probes.some((p) => p.verdict._tag === "KeyRefused")
  return {
    lines: [
      ...rows,
      "",
      refused
        ? "The key was refused wherever it was answered: check it (regenerating a key invalidates the old one), " +
          "and that API access is enabled for the workspace."
        : "No base URL answered for this key: check the network, or the base URL given."
    ],
    exitCode: refused ? CHECK_EXIT.refused : CHECK_EXIT.unanswered
  }
}
