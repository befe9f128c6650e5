// `npm run check:readme`: every ```ts sample of README.md, type-checked as a module of its own
// against the package's sources (strict, as the project is). A sample with imports must be whole.
// A sample without any is a snippet of a program, as the README says: it is checked inside
// `Effect.gen`, after `const crm = yield* RecotapCrm` (unless it says so itself), with the package's root names and the
// `effect` modules in scope.
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const out = join(root, "tmp", "readme-samples")
const lines = readFileSync(join(root, "README.md"), "utf8").split("\n")

const samples = []
for (let i = 0; i < lines.length; i++) {
  if (lines[i].trim() !== "```ts") continue
  const start = i + 1
  let end = start
  while (lines[end].trim() !== "```") end++
  // `<!-- check: declare const x: ... -->` just above a sample declares the reader's own names
  // it uses (hidden from the rendered page, seen by the compiler).
  const above = /^<!-- check: (.*) -->$/.exec(lines[i - 1]?.trim() ?? "")?.[1] ?? ""
  samples.push({ line: start + 1, code: lines.slice(start, end).join("\n"), context: above })
  i = end
}

const snippet = (code, context) =>
  `import { Chunk, Config, DateTime, Duration, Effect, Layer, Option, Redacted, Schedule, Stream } from "effect"
import { AccountSyncJob, ApiKey, Bulk, BulkSettle, customFieldKey, RecotapCallOptions, RecotapConfig, RecotapCrm } from "effect-recotap"

${context}

export const snippet = Effect.gen(function*() {
${/^const crm = /m.test(code) ? "" : "  const crm = yield* RecotapCrm"}
${code.split("\n").map((l) => `  ${l}`).join("\n")}
})
`

rmSync(out, { recursive: true, force: true })
mkdirSync(out, { recursive: true })
const files = samples.map(({ line, code, context }) => {
  const file = join(out, `README.md-line-${line}.ts`)
  writeFileSync(file, /^import /m.test(code) ? `${code}\n${context}\n\nexport {}\n` : snippet(code, context))
  return file
})
writeFileSync(
  join(out, "tsconfig.json"),
  JSON.stringify({
    extends: "../../tsconfig.json",
    compilerOptions: { noEmit: true, noUnusedLocals: false, baseUrl: "../.." },
    include: ["*.ts"]
  })
)
try {
  execFileSync("npx", ["tsc", "-p", out], { cwd: root, stdio: "inherit" })
} catch {
  console.error(`README.md: a sample does not compile (files in ${out}, named by the line the sample starts on)`)
  process.exit(1)
}
console.log(`README.md: all ${files.length} TypeScript samples compile`)
