// `npm run test:lowest`: the type-check and every test again, on the lowest supported peers
// (the versions `peerDependencies` start from: `effect` 3.19.0 with `@effect/platform` 0.93.0,
// and the `@effect/vitest` made for them), then back to the versions package-lock.json pins.
// Needs the npm registry (or a warm npm cache). The packed package's declarations are checked on
// the same peers by `npm run smoke`.
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { lowestPeers } from "./peers.mjs"

const lowest = { ...lowestPeers(), "@effect/vitest": "0.27.0" }
const locked = JSON.parse(readFileSync("package-lock.json", "utf8")).packages
const pinned = Object.keys(lowest).map((name) => `${name}@${locked[`node_modules/${name}`].version}`)
const npm = (...args) => execFileSync("npm", args, { stdio: "inherit" })
const install = (specs) => npm("install", "--no-save", "--no-audit", "--no-fund", "--prefer-offline", ...specs)

install(Object.entries(lowest).map(([name, version]) => `${name}@${version}`))
try {
  npm("exec", "--", "tsc", "-p", "tsconfig.json", "--noEmit")
  npm("exec", "--", "vitest", "run")
} finally {
  install(pinned)
}
