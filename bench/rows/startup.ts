/**
 * Import time: a fresh Node process per measurement timing `await import(...)` of
 * `effect-recotap` against `effect` + `@effect/platform`, alternating, the median of per-pair ratios.
 *
 * Two ways, both reported:
 * - `dist`: plain `node`, the package compiled from the current src into bench/results/dist
 *   (`tsc -p tsconfig.build.json --noCheck`, no declarations) and imported by its file URL: what
 *   a consumer of the published package loads.
 * - `src via tsx`: `node --import tsx`, `import("effect-recotap")` resolved to src through the
 *   tsconfig paths, as in development (tsx's transform cache is warm after the first run).
 */
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import {
  type Figure,
  RESULTS_DIR,
  ROOT_DIR,
  type RowResult,
  runNode,
  type VariantSummary,
  variantSummary
} from "../lib/harness.js"
import { pairedRatios, summarize } from "../lib/stats.js"
import { type Context, pick } from "./context.js"

const DIST = path.join(RESULTS_DIR, "dist")

const timing = (imports: string) =>
  `const t0 = performance.now(); ${imports}; process.stdout.write(JSON.stringify({ ms: performance.now() - t0 }))`

/** Compiles src into bench/results/dist (types are not checked: `npm run typecheck` does that). */
const build = () =>
  runNode([
    path.join(ROOT_DIR, "node_modules", "typescript", "bin", "tsc"),
    "-p",
    path.join(ROOT_DIR, "tsconfig.build.json"),
    "--noCheck",
    "--outDir",
    DIST,
    "--declaration",
    "false",
    "--declarationMap",
    "false",
    "--sourceMap",
    "false"
  ], 180_000)

export const importRow = async (context: Context): Promise<Omit<RowResult, "durationMs">> => {
  const runs = pick(context, 9, 3)
  context.log(
    `import time: building src into ${path.relative(ROOT_DIR, DIST)}, then ${runs} fresh processes per variant and way`
  )
  await build()
  const distUrl = pathToFileURL(path.join(DIST, "index.js")).href
  const ways = [
    {
      way: "dist",
      runner: "plain node",
      flags: [] as Array<string>,
      client: `await import(${JSON.stringify(distUrl)})`
    },
    {
      way: "src via tsx",
      runner: "node --import tsx",
      flags: ["--import", "tsx"],
      client: `await import("effect-recotap")`
    }
  ]
  const baseline = `await import("effect"); await import("@effect/platform")`
  const figures: Array<Figure> = []
  const variants: Array<VariantSummary> = []
  for (const { way, runner, flags, client } of ways) {
    const once = async (imports: string) => {
      const out = await runNode([...flags, "--input-type=module", "-e", timing(imports)], 60_000)
      return (JSON.parse(out) as { ms: number }).ms
    }
    // One untimed pair: disk cache, tsx's transform cache.
    await once(client)
    await once(baseline)
    const ours: Array<number> = []
    const theirs: Array<number> = []
    for (let i = 0; i < runs; i++) {
      if (i % 2 === 0) {
        ours.push(await once(client))
        theirs.push(await once(baseline))
      } else {
        theirs.push(await once(baseline))
        ours.push(await once(client))
      }
    }
    const ratio = summarize(pairedRatios(ours, theirs))
    figures.push({
      id: way === "dist" ? "import" : "import.tsx",
      label: way === "dist"
        ? "import time / importing effect + @effect/platform (built dist, plain node)"
        : "  same, src through tsx (dev resolution)",
      before: "0.70",
      value: ratio.median,
      spread: ratio,
      target: { op: "<=", value: 0.8 }
    })
    variants.push(
      variantSummary(`effect-recotap (${way}, ${runner})`, "import time", "ms", ours),
      variantSummary(`effect + @effect/platform (${runner})`, "import time", "ms", theirs)
    )
  }
  return {
    id: "import",
    title: "import time",
    figures,
    variants,
    notes: [
      "a fresh process per measurement, timing await import(...) inside it; the dist way compiles the current src into bench/results/dist first (gitignored)"
    ]
  }
}
