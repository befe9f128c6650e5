// `npm run smoke`: the package as a user gets it. Packs it, installs the tarball with the peers
// the README's install line names (the highest allowed) into fresh projects (ES modules under
// NodeNext and under Bundler resolution, CommonJS under Node16 and under Node10), and with the
// lowest peers `peerDependencies` allows into one more (NodeNext); type-checks each with `strict`
// and `skipLibCheck: false`, and runs each against the simulator's installed bin. On the highest
// and on the lowest peers, the type-check also imports every subpath export, from ES modules and
// from CommonJS (under NodeNext and under Node10), so that every published declaration is checked
// against each. The install must print no warning. Then the ES module and the CommonJS programs
// run again, each against the simulator bin run by the same runtime, on every runtime
// `scripts/runtimes.mjs` pins (Node 22, Bun, Deno; linux-x64 only). Needs the npm registry (or a
// warm npm cache) for the peers and the runtimes.
import { execFileSync, spawn, spawnSync } from "node:child_process"
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { lowestPeers, optionalPeers, packageJson } from "./peers.mjs"
import { runtimes } from "./runtimes.mjs"

const root = resolve(import.meta.dirname, "..")
const work = join(root, "tmp", "smoke")
const run = (command, args, cwd, env = process.env) =>
  execFileSync(command, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 })

/** The peers as the README's install line names them: `npm install effect-recotap effect@… @effect/platform@…`. */
const readmePeers = () => {
  const line = readFileSync(join(root, "README.md"), "utf8").split("\n").find((l) =>
    l.startsWith("npm install effect-recotap ")
  )
  if (line === undefined) throw new Error("README.md has no `npm install effect-recotap …` line")
  return line.split("#")[0].trim().split(/\s+/).slice(3)
}

const program = (importLine) =>
  `${importLine}

const baseUrl = process.argv[2] ?? ""

const program = Effect.gen(function*() {
  const crm = yield* RecotapCrm
  const page = yield* crm.accounts.list({ limit: 5 })
  const pushed = yield* crm.accounts.push([{ domain: "https://www.Smoke.example/", name: "Smoke", externalId: "smoke-1" }])
  return \`listed \${page.data.length}, pushed \${pushed.summary.applied} (\${normalizeDomain("https://www.Smoke.example/")})\`
}).pipe(
  Effect.catchTags({
    MissingApiKey: (e) => Effect.succeed(\`missing key: \${e.message}\`),
    InvalidApiKey: (e) => Effect.succeed(\`invalid key: \${e.message}\`),
    TransportError: (e: TransportError) => Effect.succeed(\`transport: \${e.message}\`)
  })
)

const layer = RecotapCrm.layer.pipe(
  Layer.provide(ApiKey.layer(Redacted.make(DEFAULT_SIMULATOR_KEY))),
  Layer.provide(RecotapConfig.layer({ baseUrl, allowInsecureHttp: true })),
  Layer.provide(FetchHttpClient.layer)
)

Effect.runPromise(program.pipe(Effect.provide(layer))).then((line) => console.log(line))
`

const esmImports = `import { FetchHttpClient } from "@effect/platform"
import { Effect, Layer, Redacted } from "effect"
import { ApiKey, RecotapConfig, RecotapCrm, type TransportError } from "effect-recotap"
import { normalizeDomain } from "effect-recotap/Domain"
import { DEFAULT_SIMULATOR_KEY } from "effect-recotap/simulator"`

/** Every subpath export of the package as a module specifier (`effect-recotap`, `effect-recotap/Account`, …). */
const specifiers = Object.keys(packageJson().exports).filter((subpath) => subpath !== "./package.json").map((
  subpath
) => subpath === "." ? "effect-recotap" : `effect-recotap/${subpath.slice(2)}`)

// Re-exporting each module makes the compiler load (and, without skipLibCheck, check) all of its
// declarations. Under NodeNext, `exports.ts` resolves them as ES modules (`dist/esm`) and
// `exports.cts` as CommonJS (`dist/cjs`).
const reExport = (list) => list.map((specifier, i) => `export * as module${i} from "${specifier}"`).join("\n")
const everyExport = reExport(specifiers)
const exportFiles = { "exports.ts": everyExport, "exports.cts": everyExport }
// `effect-recotap/Fleet` and `effect-recotap/ClusterSync` need the optional peers: checked where
// they are installed (with the highest peers), left out where they are not (`@effect/experimental`
// 0.61 and `@effect/cluster` 0.60 want `effect` 3.22).
const needOptionalPeers = new Set(["effect-recotap/Fleet", "effect-recotap/ClusterSync"])
const withoutOptional = reExport(specifiers.filter((specifier) => !needOptionalPeers.has(specifier)))
const withoutOptionalFiles = { "exports.ts": withoutOptional, "exports.cts": withoutOptional }
const { peerDependencies } = packageJson()
const optional = [...optionalPeers()].map((name) => `${name}@${peerDependencies[name]}`)

const common = { strict: true, skipLibCheck: false, target: "ES2022", types: ["node"], outDir: "out", rootDir: "." }
const lowest = Object.entries(lowestPeers()).map(([name, version]) => `${name}@${version}`)
const projects = [
  {
    name: "esm-nodenext",
    type: "module",
    compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" },
    source: program(esmImports),
    extraFiles: exportFiles,
    optional
  },
  {
    name: "esm-bundler",
    type: "module",
    compilerOptions: { module: "ESNext", moduleResolution: "Bundler" },
    source: program(esmImports)
  },
  {
    name: "cjs-node16",
    type: "commonjs",
    compilerOptions: { module: "Node16", moduleResolution: "Node16" },
    source: program(esmImports)
  },
  {
    // TypeScript's oldest resolution, which ignores `exports`: `typesVersions` maps each subpath.
    name: "cjs-node10",
    type: "commonjs",
    compilerOptions: { module: "CommonJS", moduleResolution: "node10" },
    source: program(esmImports),
    extraFiles: { "exports.ts": everyExport },
    // Installed here too: without them, node10 would find the optional peers (of `Fleet` and
    // `ClusterSync`) in a node_modules further up (this repository's), with another copy of
    // `effect` behind them.
    optional
  },
  {
    name: "lowest-peers",
    type: "module",
    compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" },
    source: program(esmImports),
    extraFiles: withoutOptionalFiles,
    peers: lowest
  }
]

/** Starts the installed simulator bin on a free loopback port (with `runtime`, this Node by default); resolves with its base URL. */
const startSimulator = (cwd, runtime) =>
  new Promise((resolvePromise, reject) => {
    const bin = join(cwd, "node_modules", ".bin", "effect-recotap-simulator")
    const child = runtime === undefined ?
      spawn(bin, ["--port", "0"], { cwd }) :
      spawn(runtime.command, runtime.runArgs(bin, ["--port", "0"]), { cwd, env: runtime.env })
    let out = ""
    child.stdout.on("data", (chunk) => {
      out += chunk
      const url = /listening on (\S+)/.exec(out)?.[1]
      if (url !== undefined) resolvePromise({ url, stop: () => child.kill() })
    })
    child.on("exit", (code) => reject(new Error(`the simulator bin exited (${code}): ${out}`)))
  })

rmSync(work, { recursive: true, force: true })
mkdirSync(work, { recursive: true })
const tarball = join(work, run("npm", ["pack", "--silent", "--pack-destination", work], root).trim().split("\n").pop())
const peers = readmePeers()
console.log(`packed ${tarball}; peers from the README: ${peers.join(" ")}; lowest peers: ${lowest.join(" ")}`)

/** Installs into `dir`; the warning lines npm printed. */
const npmInstallWarnings = (dir, specs) => {
  const install = spawnSync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", ...specs], {
    cwd: dir,
    encoding: "utf8"
  })
  if (install.status !== 0) throw new Error(`npm install ${specs.join(" ")} failed:\n${install.stderr}`)
  return `${install.stdout}\n${install.stderr}`.split("\n").filter((line) => /warn/i.test(line))
}

// What installing the peers alone prints (npm 11 lists packages whose install scripts it did not
// run: \`@effect/platform\`'s optional \`msgpackr-extract\`): the package must add nothing to it.
const baselines = new Map()
const peersAloneWarnings = (specs) => {
  const key = specs.join(" ")
  if (!baselines.has(key)) {
    const dir = join(work, `peers-alone-${baselines.size}`)
    mkdirSync(dir)
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "smoke-peers-alone", private: true }))
    const warnings = npmInstallWarnings(dir, specs)
    if (warnings.length > 0) console.log(`the peers alone (${key}) warn (not ours):\n${warnings.join("\n")}`)
    baselines.set(key, warnings)
  }
  return baselines.get(key)
}

for (const project of projects) {
  const dir = join(work, project.name)
  const projectPeers = [...(project.peers ?? peers), ...(project.optional ?? [])]
  const extraFiles = project.extraFiles ?? {}
  mkdirSync(dir)
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: `smoke-${project.name}`, private: true, type: project.type })
  )
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: { ...common, ...project.compilerOptions },
      include: ["main.ts", ...Object.keys(extraFiles)]
    })
  )
  writeFileSync(join(dir, "main.ts"), project.source)
  for (const [file, source] of Object.entries(extraFiles)) writeFileSync(join(dir, file), source)
  const peersAlone = peersAloneWarnings(projectPeers)
  const warnings = npmInstallWarnings(dir, [tarball, ...projectPeers]).filter((line) => !peersAlone.includes(line))
  if (warnings.length > 0) throw new Error(`${project.name}: npm install warned:\n${warnings.join("\n")}`)
  run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--no-save",
    "typescript@~5.9.3",
    "@types/node@^20"
  ], dir)
  run("npx", ["tsc", "-p", "."], dir)
  const simulator = await startSimulator(dir)
  try {
    const said = run("node", [join("out", "main.js"), simulator.url], dir).trim()
    if (said !== "listed 0, pushed 1 (smoke.example)") throw new Error(`${project.name}: the program said "${said}"`)
    const checked = project.extraFiles === undefined ? "type-checked" : "type-checked with every subpath export"
    console.log(`${project.name} (${projectPeers.join(" ")}): ${checked}, ran against the simulator bin: ${said}`)
  } finally {
    simulator.stop()
  }
}

// Tree shaking: one helper bundled alone leaves every schema of its module (and `effect`) out.
const nodenext = join(work, "esm-nodenext")
writeFileSync(
  join(nodenext, "one-helper.mjs"),
  `import { customFieldKey } from "effect-recotap"\nconsole.log(customFieldKey("a b"))\n`
)
run(join(root, "node_modules", ".bin", "esbuild"), [
  "one-helper.mjs",
  "--bundle",
  "--minify",
  "--format=esm",
  "--platform=node",
  "--outfile=one-helper.out.js"
], nodenext)
const bundled = statSync(join(nodenext, "one-helper.out.js")).size
if (bundled > 1024) throw new Error(`importing customFieldKey alone bundles ${bundled} bytes`)
console.log(`tree shaking: customFieldKey alone bundles to ${bundled} bytes`)

// The `effect-recotap` bin: its version, and `check` telling the simulator's revision from the other.
{
  const simulator = await startSimulator(nodenext)
  try {
    const bin = join(nodenext, "node_modules", ".bin", "effect-recotap")
    const version = run(bin, ["--version"], nodenext).trim()
    if (version !== `effect-recotap ${packageJson().version}`) {
      throw new Error(`effect-recotap --version said "${version}"`)
    }
    const origin = new URL(simulator.url).origin
    const checked = run(bin, ["check", "--base-url", origin], nodenext, { ...process.env, RECOTAP_API_KEY: "sim-key" })
    if (
      !checked.includes(`RECOTAP_REVISION=crm RECOTAP_BASE_URL=${origin}/api/v1/crm`) || checked.includes("sim-key")
    ) {
      throw new Error(`effect-recotap check said:\n${checked}`)
    }
    console.log(`bin: ${version}; check found the simulator's CRM revision`)
  } finally {
    simulator.stop()
  }
}

// Plain `require` from JavaScript, with no TypeScript in between.
const cjs = join(work, "cjs-node16")
const required = run("node", [
  "-e",
  "const r = require('effect-recotap'); console.log(typeof r.RecotapCrm.layer, typeof require('effect-recotap/simulator').Simulator)"
], cjs).trim()
if (required !== "object function") throw new Error(`require("effect-recotap") gave: ${required}`)
console.log(`require: ${required}`)

// The pinned runtimes: the ES module and the CommonJS program, each against the simulator bin run
// by the same runtime (a fresh one each: the program pushes one account).
const runtimesStarted = performance.now()
const pinned = runtimes()
if (pinned.skipped !== undefined) console.log(`runtimes: skipped, ${pinned.skipped}`)
for (const installed of pinned.runtimes) {
  const runtime = { ...installed, env: { ...process.env, DENO_NO_UPDATE_CHECK: "1" } }
  for (const project of ["esm-nodenext", "cjs-node16"]) {
    const dir = join(work, project)
    const simulator = await startSimulator(dir, runtime)
    try {
      const said = run(runtime.command, runtime.runArgs(join("out", "main.js"), [simulator.url]), dir, runtime.env)
        .trim()
      if (said !== "listed 0, pushed 1 (smoke.example)") {
        throw new Error(`${project} on ${runtime.name} ${runtime.version}: the program said "${said}"`)
      }
      console.log(`${project} on ${runtime.name} ${runtime.version}, simulator bin too: ${said}`)
    } finally {
      simulator.stop()
    }
  }
}
const names = pinned.runtimes.map((runtime) => `${runtime.name} ${runtime.version}`)
const seconds = Math.round((performance.now() - runtimesStarted) / 1000)
console.log(`runtimes: Node ${process.versions.node} (all of the above), ${names.join(", ")} (${seconds} s)`)
