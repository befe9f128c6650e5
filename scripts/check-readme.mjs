// `npm run check:readme`: every ```ts sample of README.md, CONTRIBUTING.md and the guides
// (docs/guides), type-checked as a module of its own against the package's sources (strict, as
// the project is). A sample with imports must be whole. A sample without any is a snippet of a
// program, as the README says: it is checked inside `Effect.gen`, after
// `const crm = yield* RecotapCrm` (unless it says so itself), with the package's root names and
// the `effect` modules in scope. Then their links: every relative link names a file that exists
// and a heading that exists in it; the README (the npm page) links only to files the package ships.
import { execFileSync } from "node:child_process"
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")
const out = join(root, "tmp", "readme-samples")
const documents = ["README.md", "CONTRIBUTING.md"].concat(
  readdirSync(join(root, "docs", "guides")).filter((f) => f.endsWith(".md")).sort().map((f) => `docs/guides/${f}`)
)

const samples = []
for (const document of documents) {
  const lines = readFileSync(join(root, document), "utf8").split("\n")
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim() !== "```ts") continue
    const start = i + 1
    let end = start
    while (lines[end].trim() !== "```") end++
    // `<!-- check: declare const x: ... -->` just above a sample declares the reader's own names
    // it uses (hidden from the rendered page, seen by the compiler).
    const above = /^<!-- check: (.*) -->$/.exec(lines[i - 1]?.trim() ?? "")?.[1] ?? ""
    samples.push({ document, line: start + 1, code: lines.slice(start, end).join("\n"), context: above })
    i = end
  }
}

/** A heading's anchor, as GitHub and npm make it. */
const slug = (heading) => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, "").replaceAll(" ", "-")
const anchorsOf = (file) => new Set([...readFileSync(file, "utf8").matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])))
const shipped = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).files
const broken = []
for (const document of documents) {
  const text = readFileSync(join(root, document), "utf8").replace(/```[\s\S]*?```/g, "")
  for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/.test(target)) continue
    const [path, anchor] = target.split("#")
    const file = path === "" ? join(root, document) : resolve(root, dirname(document), path)
    const name = relative(root, file)
    if (!existsSync(file)) broken.push(`${document}: ${target}: no such file`)
    else if (anchor !== undefined && !anchorsOf(file).has(anchor)) {
      broken.push(`${document}: ${target}: no such heading`)
    } else if (
      document === "README.md" && path !== "" && !shipped.some((f) => name === f || name.startsWith(`${f}/`))
    ) {
      broken.push(`${document}: ${target}: not in the package ("files"), so broken on the npm page`)
    }
  }
}
if (broken.length > 0) {
  console.error(broken.join("\n"))
  process.exit(1)
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
const files = samples.map(({ code, context, document, line }) => {
  const file = join(out, `${document.replaceAll("/", "_")}-line-${line}.ts`)
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
  console.error(`a sample does not compile (files in ${out}, named by document and the line the sample starts on)`)
  process.exit(1)
}
console.log(`${documents.join(", ")}: all ${files.length} TypeScript samples compile, every link resolves`)
