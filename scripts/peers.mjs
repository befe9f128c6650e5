// The peers the package allows, read from package.json's `peerDependencies`, so that the scripts
// checking the lowest ones follow the ranges rather than a copy of them.
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"

const root = resolve(import.meta.dirname, "..")

/** `package.json` of the package. */
export const packageJson = () => JSON.parse(readFileSync(join(root, "package.json"), "utf8"))

/**
 * The optional peers (`peerDependenciesMeta`): what `effect-recotap/Fleet` and
 * `effect-recotap/ClusterSync` alone need. They are not lowered with the others:
 * `@effect/experimental` 0.61 and `@effect/cluster` 0.60 themselves ask for `effect` 3.22.
 */
export const optionalPeers = () =>
  new Set(
    Object.entries(packageJson().peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional).map(([name]) => name)
  )

/**
 * The lowest version of each required peer, as `{ name: version }`: the version a range starts from
 * (`^3.19.0`, `>=0.93.0 <0.98.0`, `~1.2.3`, `1.2.3`). Any other form of range is refused rather
 * than guessed.
 */
export const lowestPeers = () =>
  Object.fromEntries(
    Object.entries(packageJson().peerDependencies).filter(([name]) => !optionalPeers().has(name)).map(
      ([name, range]) => {
        const lowest = /^(?:\^|~|>=)?\s*(\d+\.\d+\.\d+)(?:\s+<\S+)?$/.exec(range.trim())?.[1]
        if (lowest === undefined) throw new Error(`cannot tell the lowest version of ${name}@"${range}"`)
        return [name, lowest]
      }
    )
  )
