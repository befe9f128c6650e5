/**
 * The performance benchmarks of effect-recotap: every figure of the performance issue side by
 * side, in one run, against a minimal Recotap server in its own process (bench/server.ts).
 *
 *   npm run bench                          # everything (about 5–8 minutes on 2 cores)
 *   npm run bench -- --quick               # smoke run: fewer rounds, smaller counts (about 2 minutes)
 *   npm run bench -- --only list,push      # some rows (ids below)
 *   npm run bench -- --out path.json       # where the JSON goes (default bench/results/latest.json)
 *   npm run bench -- --check               # exit 1 when a target does not hold
 *
 * Rows: list, list-20ms, alloc, stream, prefetch, push, push-cpu, rss, import, simulator.
 * See bench/README.md for what each measures and how.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { KEY } from "./lib/clients.js"
import { gc, holds, killChildren, RESULTS_DIR, ROOT_DIR, type RowResult, startServer } from "./lib/harness.js"
import { fmt, fmtSummary } from "./lib/stats.js"
import type { Context } from "./rows/context.js"
import { list20msRow, listRow } from "./rows/list.js"
import { allocRow, rssRow } from "./rows/memory.js"
import { pushCpuRow, pushRow } from "./rows/push.js"
import { simulatorRow } from "./rows/simulator.js"
import { importRow } from "./rows/startup.js"
import { prefetchRow, streamRow } from "./rows/stream.js"

const ROWS: ReadonlyArray<readonly [string, (context: Context) => Promise<Omit<RowResult, "durationMs">>]> = [
  ["list", listRow],
  ["list-20ms", list20msRow],
  ["alloc", allocRow],
  ["stream", streamRow],
  ["prefetch", prefetchRow],
  ["push", pushRow],
  ["push-cpu", pushCpuRow],
  ["rss", rssRow],
  ["import", importRow],
  ["simulator", simulatorRow]
]

const args = process.argv.slice(2)
if (args.includes("--help") || args.includes("-h")) {
  console.log(
    `usage: npm run bench -- [--quick] [--only ${ROWS.map(([id]) => id).join(",")}] [--out file.json] [--check]`
  )
  process.exit(0)
}
const quick = args.includes("--quick")
const check = args.includes("--check")
const valueOf = (flag: string) => {
  const at = args.indexOf(flag)
  return at >= 0 ? args[at + 1] : undefined
}
const only = args.flatMap((arg, i) => (args[i - 1] === "--only" ? arg.split(",") : [])).map((id) => id.trim()).filter((
  id
) => id !== "")
const unknown = only.filter((id) => !ROWS.some(([known]) => known === id))
if (unknown.length > 0) {
  console.error(`unknown row(s): ${unknown.join(", ")}; rows: ${ROWS.map(([id]) => id).join(", ")}`)
  process.exit(2)
}
const out = path.resolve(ROOT_DIR, valueOf("--out") ?? path.join(RESULTS_DIR, "latest.json"))
const selected = ROWS.filter(([id]) => only.length === 0 || only.includes(id))

/** The whole run's time bound: children are killed and partial results written when it passes. */
const TIME_BOUND_MS = quick ? 6 * 60_000 : 15 * 60_000

const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`)

const rows: Array<RowResult> = []
const startedAt = new Date()
const loadAtStart = os.loadavg()

const report = () => {
  const lines: Array<string> = []
  const header = ["figure", "before", "measured: median (min-max of rounds)", "target", "holds"]
  const table: Array<Array<string>> = []
  for (const row of rows) {
    if (row.error !== undefined) {
      table.push([`${row.title}: FAILED: ${row.error.split("\n")[0]!.slice(0, 120)}`, "", "", "", "ERROR"])
      continue
    }
    for (const figure of row.figures) {
      const verdict = holds(figure)
      const unit = figure.unit ?? ""
      const measured = figure.spread === undefined
        ? `${fmt(figure.value)}${unit}`
        : `${fmtSummary(figure.spread)}${unit}`
      table.push([
        figure.label,
        figure.before ?? "",
        figure.note === undefined ? measured : `${measured}  [${figure.note}]`,
        figure.target === undefined
          ? ""
          : (figure.target.text ?? `${figure.target.op === "<=" ? "≤" : "≥"} ${figure.target.value}${unit}`),
        verdict === undefined ? "" : verdict ? "yes" : "NO"
      ])
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ").trimEnd()
  lines.push(line(header), widths.map((w) => "-".repeat(w)).join("-|-"), ...table.map(line))
  return lines.join("\n")
}

const writeJson = (complete: boolean) => {
  fs.mkdirSync(path.dirname(out), { recursive: true })
  const json = {
    complete,
    mode: quick ? "quick" : "full",
    only: only.length === 0 ? null : only,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    cpus: os.cpus().map((cpu) => cpu.model).filter((m, i, all) => all.indexOf(m) === i),
    cpuCount: os.cpus().length,
    loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() },
    rows: rows.map((row) => ({
      ...row,
      figures: row.figures.map((figure) => ({ ...figure, holds: holds(figure) ?? null }))
    }))
  }
  fs.writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`)
}

const printRow = (row: RowResult) => {
  if (row.error !== undefined) {
    log(`${row.id}: FAILED after ${fmt(row.durationMs / 1000, 1)} s: ${row.error}`)
    return
  }
  log(`${row.id}: done in ${fmt(row.durationMs / 1000, 1)} s`)
  for (const variant of row.variants) {
    console.log(
      `    ${`${variant.name}, ${variant.metric}`.padEnd(56)} ${
        fmtSummary(variant.summary)
      } ${variant.unit}  (n=${variant.summary.n}, IQR ${fmt(variant.summary.q1)}-${fmt(variant.summary.q3)})`
    )
  }
  for (const figure of row.figures) {
    const verdict = holds(figure)
    const spread = figure.spread
    console.log(
      `  = ${figure.label.trim()}: ${fmt(figure.value)}${figure.unit ?? ""}${
        spread === undefined
          ? ""
          : ` (min-max ${fmt(spread.min)}-${fmt(spread.max)}, IQR ${fmt(spread.q1)}-${fmt(spread.q3)}, n=${spread.n})`
      }${
        figure.target === undefined
          ? ""
          : `, target ${figure.target.op} ${figure.target.value}: ${verdict === true ? "holds" : "does NOT hold"}`
      }`
    )
  }
  for (const note of row.notes) console.log(`    note: ${note}`)
}

let server: Awaited<ReturnType<typeof startServer>> | undefined

const cleanUp = () => {
  server?.close()
  killChildren()
}

const main = async () => {
  log(
    `effect-recotap benchmarks, ${
      quick ? "quick" : "full"
    } run; Node ${process.version}, ${os.cpus().length} cores, load average ${
      loadAtStart.map((l) => l.toFixed(2)).join(" ")
    }`
  )
  if (gc === undefined) {
    log(
      "note: gc() is not exposed (run through npm run bench, which passes --expose-gc): runs are not separated by a collection"
    )
  }
  server = await startServer(KEY)
  log(`bench server (own process) on ${server.origin}`)
  const context: Context = { quick, server, log }
  for (const [id, row] of selected) {
    const t0 = performance.now()
    const before = await server.stats()
    try {
      const result = await row(context)
      const after = await server.stats()
      rows.push({
        ...result,
        durationMs: performance.now() - t0,
        notes: [
          ...result.notes,
          `bench server: ${after.requests - before.requests} requests, ${
            fmt((after.cpuMicros - before.cpuMicros) / 1e6, 1)
          } s CPU during this row`
        ]
      })
    } catch (error) {
      rows.push({
        id,
        title: id,
        figures: [],
        variants: [],
        notes: [],
        durationMs: performance.now() - t0,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error)
      })
    }
    printRow(rows[rows.length - 1]!)
    writeJson(false)
  }
  cleanUp()
  writeJson(true)
  console.log(`\n${report()}\n`)
  log(
    `load average now ${
      os.loadavg().map((l) => l.toFixed(2)).join(" ")
    } (other work on this machine skews absolute figures; ratios are paired per round)`
  )
  log(`results: ${path.relative(ROOT_DIR, out)}`)
  const failed = rows.some((row) => row.error !== undefined)
  const missed = rows.some((row) => row.figures.some((figure) => holds(figure) === false))
  return failed ? 1 : check && missed ? 1 : 0
}

const watchdog = setTimeout(() => {
  log(`time bound of ${TIME_BOUND_MS / 60_000} minutes reached: stopping`)
  cleanUp()
  writeJson(false)
  console.log(`\n${report()}\n`)
  process.exit(2)
}, TIME_BOUND_MS)

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    cleanUp()
    process.exit(130)
  })
}
process.once("exit", killChildren)

main().then(
  (code) => {
    clearTimeout(watchdog)
    // Keep-alive sockets and the platform client's pools would keep the loop alive.
    process.exit(code)
  },
  (error: unknown) => {
    console.error(error)
    cleanUp()
    process.exit(1)
  }
)
