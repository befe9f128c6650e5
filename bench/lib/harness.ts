/**
 * The benchmark harness: paired rounds with rotating order, CPU and wall time per run, child
 * processes with time bounds (and their clean-up), the bench server's process.
 */
import { type ChildProcess, fork, spawn } from "node:child_process"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { summarize, type Summary } from "./stats.js"

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
export const ROOT_DIR = path.resolve(BENCH_DIR, "..")
export const RESULTS_DIR = path.join(BENCH_DIR, "results")

/** `gc()` when the process runs with `--expose-gc` (the bench script sets it). */
export const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc

// ------------------------------------------------------------------ results

/** One figure of the issue's table, with its target. */
export interface Figure {
  readonly id: string
  readonly label: string
  /** The figure before the optimisation, as the issue states it. */
  readonly before?: string
  readonly value: number
  /** The spread of the per-round values the median `value` comes from. */
  readonly spread?: Summary
  readonly target?: { readonly op: "<=" | ">="; readonly value: number; readonly text?: string }
  /** Set for a figure judged otherwise than by `target` alone. */
  readonly holds?: boolean
  readonly unit?: string
  readonly note?: string
}

/** What one variant measured: the median of its rounds and their spread. */
export interface VariantSummary {
  readonly name: string
  readonly metric: string
  readonly unit: string
  readonly summary: Summary
}

export interface RowResult {
  readonly id: string
  readonly title: string
  readonly figures: Array<Figure>
  readonly variants: Array<VariantSummary>
  readonly notes: Array<string>
  readonly durationMs: number
  readonly error?: string
}

export const holds = (figure: Figure): boolean | undefined => {
  if (figure.holds !== undefined) return figure.holds
  if (figure.target === undefined || !Number.isFinite(figure.value)) return undefined
  return figure.target.op === "<=" ? figure.value <= figure.target.value : figure.value >= figure.target.value
}

// ------------------------------------------------------------------ measuring

export interface Measured {
  readonly wallMs: number
  /** User + system CPU of this process (all its threads) during the run. */
  readonly cpuMs: number
}

/** Rejects when `promise` takes longer than `ms`. */
export const withTimeout = <A>(promise: Promise<A>, ms: number, what: string): Promise<A> => {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
      timer.unref()
    })
  ]).finally(() => clearTimeout(timer))
}

export const measure = async (run: () => Promise<unknown>, timeoutMs: number, what: string): Promise<Measured> => {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  await withTimeout(run(), timeoutMs, what)
  const wallMs = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }
}

export interface Variant {
  readonly name: string
  readonly run: () => Promise<unknown>
}

export interface RoundOptions {
  /** Rounds wanted. */
  readonly rounds: number
  /** Stop early once this much time has gone (but not before `minRounds`). */
  readonly budgetMs: number
  readonly minRounds?: number
  /** Untimed runs of each variant first. */
  readonly warmup: number
  /** Bound on one run. */
  readonly runTimeoutMs: number
  /** Collect garbage before each timed run (when `gc` is exposed), so no run pays for another's garbage. */
  readonly gcBetween?: boolean
}

/**
 * Runs every variant once a round, the order rotating from round to round (round r starts with
 * variant r mod k), so that no variant always runs first or after the same neighbour.
 */
export const runRounds = async (
  variants: ReadonlyArray<Variant>,
  options: RoundOptions
): Promise<Map<string, Array<Measured>>> => {
  const results = new Map<string, Array<Measured>>(variants.map((v) => [v.name, []]))
  for (let w = 0; w < options.warmup; w++) {
    for (const variant of variants) await withTimeout(variant.run(), options.runTimeoutMs, `warm-up of ${variant.name}`)
  }
  const start = performance.now()
  const minRounds = Math.min(options.minRounds ?? 3, options.rounds)
  for (let round = 0; round < options.rounds; round++) {
    if (round >= minRounds && performance.now() - start > options.budgetMs) break
    for (let k = 0; k < variants.length; k++) {
      const variant = variants[(round + k) % variants.length]!
      if (options.gcBetween !== false) gc?.()
      results.get(variant.name)!.push(await measure(variant.run, options.runTimeoutMs, variant.name))
    }
  }
  return results
}

export const variantSummary = (
  name: string,
  metric: string,
  unit: string,
  values: ReadonlyArray<number>
): VariantSummary => ({
  name,
  metric,
  unit,
  summary: summarize(values)
})

// ------------------------------------------------------------------ child processes

const children = new Set<ChildProcess>()

/** Kills every child this process started (each by its own id) that is still running. */
export const killChildren = () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
  }
  children.clear()
}

/** Forks a TypeScript file of bench/ under tsx, with extra Node flags. */
export const forkTs = (
  script: string,
  args: ReadonlyArray<string>,
  nodeFlags: ReadonlyArray<string> = []
): ChildProcess => {
  const child = fork(path.join(BENCH_DIR, script), [...args], {
    cwd: ROOT_DIR,
    execArgv: ["--import", "tsx", ...nodeFlags],
    stdio: ["ignore", "inherit", "pipe", "ipc"]
  })
  children.add(child)
  child.once("exit", () => children.delete(child))
  return child
}

/**
 * Forks `script`, waits (at most `timeoutMs`) for its `{ type: "result" }` message and its exit;
 * kills it on timeout.
 */
export const runChild = <A>(
  script: string,
  args: ReadonlyArray<string>,
  nodeFlags: ReadonlyArray<string>,
  timeoutMs: number
): Promise<A> =>
  new Promise<A>((resolve, reject) => {
    const child = forkTs(script, args, nodeFlags)
    let stderr = ""
    let result: { value: A } | undefined
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000)
    })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`${script} ${args.join(" ")} took longer than ${timeoutMs} ms`))
    }, timeoutMs)
    child.on("message", (message: { type?: string; value?: A; error?: string }) => {
      if (message.type === "result") result = { value: message.value as A }
      if (message.type === "error") stderr += `\n${message.error ?? ""}`
    })
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      if (result !== undefined && code === 0) resolve(result.value)
      else reject(new Error(`${script} ${args.join(" ")} exited with ${code ?? signal}: ${stderr.trim()}`))
    })
  })

/** Runs `node <args>` in the repository (at most `timeoutMs`) and returns what it printed. */
export const runNode = (args: ReadonlyArray<string>, timeoutMs: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], { cwd: ROOT_DIR, stdio: ["ignore", "pipe", "pipe"] })
    children.add(child)
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000)
    })
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs)
    child.once("exit", (code, signal) => {
      clearTimeout(timer)
      children.delete(child)
      if (code === 0) resolve(stdout)
      else reject(new Error(`node ${args.slice(0, 3).join(" ")} … exited with ${code ?? signal}: ${stderr.trim()}`))
    })
  })

// ------------------------------------------------------------------ the bench server

export interface BenchServer {
  readonly port: number
  readonly origin: string
  /** The client's base URL, with the server's per-request options as path segments. */
  readonly baseUrl: (options?: { readonly latency?: number; readonly total?: number }) => string
  /** The server process's requests so far and CPU used. */
  readonly stats: () => Promise<{ requests: number; cpuMicros: number; rssBytes: number }>
  readonly close: () => void
}

export const startServer = (key: string, extraArgs: ReadonlyArray<string> = []): Promise<BenchServer> =>
  new Promise((resolve, reject) => {
    const child = forkTs("server.ts", ["--key", key, ...extraArgs])
    let stderr = ""
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000)
    })
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      reject(new Error(`the bench server did not start within 30 s: ${stderr}`))
    }, 30_000)
    child.once("exit", (code) => reject(new Error(`the bench server exited (${code}): ${stderr}`)))
    const onReady = (message: { type?: string; port?: number }) => {
      if (message.type !== "ready" || message.port === undefined) return
      clearTimeout(timer)
      child.off("message", onReady)
      const origin = `http://127.0.0.1:${message.port}`
      resolve({
        port: message.port,
        origin,
        baseUrl: (options = {}) =>
          `${origin}${options.latency === undefined ? "" : `/latency/${options.latency}`}${
            options.total === undefined ? "" : `/total/${options.total}`
          }/api/v1/crm`,
        stats: () =>
          withTimeout(
            new Promise((done) => {
              const onStats = (m: { type?: string; requests?: number; cpuMicros?: number; rssBytes?: number }) => {
                if (m.type !== "stats") return
                child.off("message", onStats)
                done({ requests: m.requests ?? 0, cpuMicros: m.cpuMicros ?? 0, rssBytes: m.rssBytes ?? 0 })
              }
              child.on("message", onStats)
              child.send({ type: "stats" })
            }),
            5_000,
            "server stats"
          ),
        close: () => {
          child.removeAllListeners("exit")
          if (child.exitCode === null) child.kill("SIGTERM")
        }
      })
    }
    child.on("message", onReady)
  })
