/**
 * The `effect-recotap` command line: its arguments, help, version and exit codes. The commands'
 * work is in `check.ts` and `conformance.ts`; this reads what they need (the key from the
 * environment, never from an argument, so that it stays out of shell histories and process lists)
 * and prints their reports.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Console from "effect/Console"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { parseArgs } from "node:util"
import { validate } from "../../ApiKey.js"
import type { Revision } from "../../RecotapConfig.js"
import { BASE_URLS, parseBaseUrl, SANDBOX_BASE_URL } from "../settings.js"
import { check, report } from "./check.js"
import { conformance, conformanceReport } from "./conformance.js"

/** The package's version, as `--version` prints it (a test holds it to package.json). */
export const VERSION = "0.1.0"

/** Exit codes other than the commands' own: no key in the environment; arguments not understood. */
export const EXIT = { noKey: 3, usage: 64 } as const

const common = `  --key-env NAME    the environment variable holding the API key (default RECOTAP_API_KEY);
                    the key is never printed
  --timeout SECONDS how long each request may take (default 10)
  --help            show this help
  --version         show the version`

const HELP = {
  main: `Usage: effect-recotap <command> [options]

Commands:
  check        which base URL and revision answer for your key, and the settings to use
  conformance  whether a base URL answers as the client assumes (read-only checks)

Options:
  --help            show this help (effect-recotap <command> --help: the command's options)
  --version         show the version`,
  check: `Usage: effect-recotap check [options]

Sends one harmless read (GET /accounts?limit=1) to the CRM and the External revision's base URLs
and to the sandbox, and says which answers for the key, whether it is accepted, how long it took,
and the settings to use.

  --base-url URL    probe both revisions' paths on this origin instead (e.g. a simulator:
                    http://127.0.0.1:4010)
${common}

Exit codes: 0 a base URL accepts the key; 1 the key is refused wherever it was answered;
2 nothing answered; 3 no key in the environment variable; 64 arguments not understood.`,
  conformance: `Usage: effect-recotap conformance [options]

Runs the read-only contract checks of the API reference (envelopes, paging, 401 wording,
route-not-found and error shapes, the reads the client makes) against a base URL, and says which
of the client's assumptions hold there. Writes nothing unless --allow-writes.

  --base-url URL    the base URL to check (an origin alone gets the revision's path:
                    /api/v1/crm or /api/v1); default: the revision's production base URL
  --revision NAME   crm (default) or external
  --sandbox         the sandbox (External revision)
  --allow-writes    also push one account (a new domain each time); only with --sandbox, or a
                    base URL on loopback (a simulator)
${common}

Exit codes: 0 every assumption holds (or was skipped); 1 one differs, or did not answer;
2 nothing answered; 3 no key in the environment variable; 64 arguments not understood.`
} as const

type Command = keyof typeof HELP

/** Arguments not understood: the message, then the command's help, and exit code 64. */
class Usage extends Error {}

/** What `parseArgs` throws for arguments it does not understand. */
const isParseArgsError = (defect: unknown): defect is TypeError =>
  defect instanceof TypeError && "code" in defect && typeof defect.code === "string" &&
  defect.code.startsWith("ERR_PARSE_ARGS")

const parse = (command: Command, args: ReadonlyArray<string>) =>
  parseArgs({
    args: [...args],
    strict: true,
    allowPositionals: false,
    options: {
      help: { type: "boolean", default: false },
      version: { type: "boolean", default: false },
      ...(command === "main" ? {} : {
        "base-url": { type: "string" },
        "key-env": { type: "string", default: "RECOTAP_API_KEY" },
        timeout: { type: "string", default: "10" }
      }),
      ...(command === "conformance"
        ? {
          revision: { type: "string", default: "crm" },
          sandbox: { type: "boolean", default: false },
          "allow-writes": { type: "boolean", default: false }
        }
        : {})
    }
  }).values

const checkedUrl = (input: string): string =>
  Either.getOrElse(parseBaseUrl(input), (reason) => {
    throw new Usage(`--base-url: ${reason}`)
  })

const timeoutOf = (input: string | boolean | undefined): Duration.Duration => {
  const seconds = Number(input)
  if (!Number.isFinite(seconds) || seconds <= 0) throw new Usage(`--timeout must be a positive number of seconds`)
  return Duration.seconds(seconds)
}

/** A loopback host: a simulator, where writes harm no one. */
const isLoopback = (baseUrl: string) => /^(?:127(?:\.\d{1,3}){3}|localhost|\[::1\])$/.test(new URL(baseUrl).hostname)

/** The base URL and revision of `conformance`'s options; writes only on the sandbox or loopback. */
const targetOf = (
  values: ReturnType<typeof parse>
): { readonly baseUrl: string; readonly revision: Revision; readonly allowWrites: boolean } => {
  const allowWrites = values["allow-writes"] === true
  const { baseUrl, revision } = baseUrlOf(values)
  if (allowWrites && baseUrl !== SANDBOX_BASE_URL && !isLoopback(baseUrl)) {
    throw new Usage("--allow-writes only with --sandbox, or a base URL on loopback (a simulator)")
  }
  return { baseUrl, revision, allowWrites }
}

const baseUrlOf = (values: ReturnType<typeof parse>): { readonly baseUrl: string; readonly revision: Revision } => {
  if (values.sandbox === true) {
    if (values["base-url"] !== undefined) throw new Usage("--sandbox and --base-url: give one of them")
    return { baseUrl: SANDBOX_BASE_URL, revision: "external" }
  }
  const revision = values.revision
  if (revision !== "crm" && revision !== "external") throw new Usage(`--revision must be crm or external`)
  const given = values["base-url"]
  if (typeof given !== "string") return { baseUrl: BASE_URLS[revision], revision }
  const url = checkedUrl(given)
  return {
    baseUrl: new URL(url).pathname === "/" ? `${url}${revision === "crm" ? "/api/v1/crm" : "/api/v1"}` : url,
    revision
  }
}

/**
 * Runs the command line `args` (without the program's name) with the environment `env`; prints
 * through `Console` and succeeds with the exit code.
 */
export const runCli = (
  args: ReadonlyArray<string>,
  env: Readonly<Record<string, string | undefined>>
): Effect.Effect<number, never, HttpClient.HttpClient> => {
  const [first, ...rest] = args
  const command: Command = first === "check" || first === "conformance" ? first : "main"
  const options = command === "main" ? args : rest
  return Effect.suspend(() => {
    const values = parse(command, options)
    if (values.version === true) return Effect.as(Console.log(`effect-recotap ${VERSION}`), 0)
    if (values.help === true) return Effect.as(Console.log(HELP[command]), 0)
    if (command === "main") {
      throw new Usage(first === undefined ? "a command is needed" : `unknown command: ${first}`)
    }
    const timeout = timeoutOf(values.timeout)
    const keyEnv = typeof values["key-env"] === "string" ? values["key-env"] : "RECOTAP_API_KEY"
    const target = command === "conformance" ? targetOf(values) : undefined
    const origin = command === "check" && typeof values["base-url"] === "string"
      ? new URL(checkedUrl(values["base-url"])).origin
      : undefined
    const value = env[keyEnv]
    if (value === undefined || value.trim() === "") {
      return Effect.as(
        Console.error(
          `No API key: set ${keyEnv}${
            keyEnv === "RECOTAP_API_KEY" ? " (or name another variable with --key-env)" : ""
          }.`
        ),
        EXIT.noKey
      )
    }
    const key = Redacted.make(value)
    const print = (out: { readonly lines: ReadonlyArray<string>; readonly exitCode: number }) =>
      Effect.as(Console.log(out.lines.join("\n")), out.exitCode)
    const work = target === undefined
      ? Console.log(`GET /accounts?limit=1 with the key in ${keyEnv}, no retry:\n`).pipe(
        Effect.zipRight(check(origin, key, timeout)),
        Effect.flatMap((probes) => print(report(probes)))
      )
      : Effect.flatMap(
        conformance({ ...target, key, timeout }),
        (results) => print(conformanceReport({ ...target, key, timeout }, results))
      )
    // A key that cannot be a header value is refused before anything is sent.
    return Effect.matchEffect(validate(key), {
      onFailure: (error) => Effect.as(Console.error(`The key in ${keyEnv} cannot be used: ${error.detail}`), 1),
      onSuccess: () => work
    })
  }).pipe(
    Effect.catchAllDefect((defect) =>
      defect instanceof Usage || isParseArgsError(defect)
        ? Effect.as(Console.error(`${defect.message}\n\n${HELP[command]}`), EXIT.usage)
        : Effect.die(defect)
    )
  )
}
