/**
 * Two builds of the package side by side: the compiled package of another revision against
 * this one's, on the bench server, in one process. Where `npm run bench` compares the client with
 * raw `fetch`, this compares the client with itself, which is what a change to its internals
 * must answer for.
 *
 *   git worktree add /tmp/before <revision> && ln -s "$PWD/node_modules" /tmp/before/node_modules
 *   npx tsc -p /tmp/before/tsconfig.build.json --noCheck --outDir bench/results/before \
 *     --declaration false --declarationMap false --sourceMap false
 *   npm run bench:compare -- --before bench/results/before [--rounds 15]
 *
 * The build compared against must sit inside this repository (under `bench/results/`, which is
 * gitignored) so that it loads the same `effect` and `@effect/platform` as this one. Each row's
 * two builds alternate round by round (`runRounds`: the order flipping each round, every run
 * after `gc()`); a figure is the median of the per-round ratios after / before, wall and CPU.
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import { Effect, Layer, Redacted, Stream } from "effect"
import type * as EffectRecotap from "effect-recotap"
import type { RecotapCrmService } from "effect-recotap"
import * as path from "node:path"
import { setTimeout as sleep } from "node:timers/promises"
import { pathToFileURL } from "node:url"
import { pushInputs } from "./lib/accounts.js"
import { KEY } from "./lib/clients.js"
import { killChildren, type Measured, RESULTS_DIR, ROOT_DIR, runRounds, startServer } from "./lib/harness.js"
import { fmt, median, pairedRatios } from "./lib/stats.js"

const argument = (name: string): string | undefined => {
  const at = process.argv.indexOf(name)
  return at === -1 ? undefined : process.argv[at + 1]
}

const beforeDir = argument("--before")
if (beforeDir === undefined) {
  console.error("usage: npx tsx --expose-gc bench/compare.ts --before <dir of a compiled build> [--rounds n]")
  process.exit(64)
}
const rounds = Number(argument("--rounds") ?? 15)

/** `RecotapCrm` of the build in `dir`, as `bench/lib/clients.ts` builds it, against `baseUrl`. */
const clientOf = async (dir: string, baseUrl: string): Promise<RecotapCrmService> => {
  const build: typeof EffectRecotap = await import(pathToFileURL(path.join(dir, "index.js")).href)
  const { ApiKey, RecotapConfig, RecotapCrm } = build
  return Effect.runPromise(
    Effect.provide(
      RecotapCrm,
      RecotapCrm.layer.pipe(Layer.provide(Layer.mergeAll(
        ApiKey.layer(Redacted.make(KEY)),
        Layer.orDie(RecotapConfig.layer({ baseUrl, retry: { maxRetries: 0 } })),
        FetchHttpClient.layer
      )))
    )
  )
}

interface Clients {
  /** On loopback, answering at once. */
  readonly loopback: RecotapCrmService
  /** Answering 5 ms late. */
  readonly slow: RecotapCrmService
  /** Answering 5 ms late, with 40 pages of 100 accounts to read. */
  readonly paged: RecotapCrmService
}

/** The slow consumer of `bench/rows/stream.ts`: 5 ms of asynchronous work a page. */
const work = (accounts: number) => Effect.as(Effect.promise(() => sleep(5)), accounts)

const pushes = pushInputs(20_000)

/** The rows: one run of each, given a build's clients. */
const rows: ReadonlyArray<readonly [string, (clients: Clients) => Promise<unknown>]> = [
  ["accounts.list × 200, loopback", async ({ loopback }) => {
    for (let i = 0; i < 200; i++) await Effect.runPromise(loopback.accounts.list())
  }],
  [
    "accounts.stream, 10,000 accounts, loopback",
    ({ loopback }) => Effect.runPromise(Stream.runDrain(Stream.take(loopback.accounts.stream(), 10_000)))
  ],
  [
    "slow consumer: accounts.pages, 40 pages, 5 ms + 5 ms",
    ({ paged }) =>
      Effect.runPromise(
        Stream.runFoldEffect(paged.accounts.pages({ limit: 100 }), 0, (n, page) => work(n + page.data.length))
      )
  ],
  [
    "slow consumer: accounts.stream by page, 5 ms + 5 ms",
    ({ paged }) =>
      Effect.runPromise(
        paged.accounts.stream({ limit: 100 }).pipe(
          Stream.grouped(100),
          Stream.runFoldEffect(0, (n, chunk) => work(n + chunk.length))
        )
      )
  ],
  [
    "accounts.push of 5,000, concurrency 1, loopback",
    ({ loopback }) => Effect.runPromise(loopback.accounts.push(pushes.slice(0, 5_000)))
  ],
  [
    "accounts.push of 5,000, concurrency 1, 5 ms",
    ({ slow }) => Effect.runPromise(slow.accounts.push(pushes.slice(0, 5_000)))
  ],
  [
    "accounts.push of 20,000, concurrency 8, 5 ms",
    ({ slow }) => Effect.runPromise(slow.accounts.push(pushes, { concurrency: 8 }))
  ]
]

const server = await startServer(KEY)
try {
  const builds = {
    before: path.resolve(ROOT_DIR, beforeDir),
    after: path.join(RESULTS_DIR, "dist")
  }
  const clients = {
    before: {
      loopback: await clientOf(builds.before, server.baseUrl()),
      slow: await clientOf(builds.before, server.baseUrl({ latency: 5 })),
      paged: await clientOf(builds.before, server.baseUrl({ latency: 5, total: 4_000 }))
    },
    after: {
      loopback: await clientOf(builds.after, server.baseUrl()),
      slow: await clientOf(builds.after, server.baseUrl({ latency: 5 })),
      paged: await clientOf(builds.after, server.baseUrl({ latency: 5, total: 4_000 }))
    }
  }
  console.log(
    `before: ${builds.before}\nafter:  ${builds.after}\n${rounds} rounds a row; after / before, median of per-round ratios`
  )
  for (const [name, run] of rows) {
    const times = await runRounds([
      { name: "before", run: () => run(clients.before) },
      { name: "after", run: () => run(clients.after) }
    ], { rounds, minRounds: rounds, budgetMs: Number.POSITIVE_INFINITY, warmup: 1, runTimeoutMs: 300_000 })
    const ratio = (of: (measured: Measured) => number) =>
      median(pairedRatios(times.get("after")!.map(of), times.get("before")!.map(of)))
    const wall = ratio((m) => m.wallMs)
    const cpu = ratio((m) => m.cpuMs)
    console.log(`${name.padEnd(56)} wall ${fmt(wall)}  CPU ${fmt(cpu)}`)
  }
} finally {
  server.close()
  killChildren()
}
