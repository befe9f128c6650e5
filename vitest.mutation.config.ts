// The tests `npm run mutation` runs: all of them but those that judge timing or a crash across
// worker processes. Their workers run in processes of their own, whose coverage no mutant is
// charged with, and on a machine slowed by the instrumented code their timing bounds mean nothing.
import { configDefaults, defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.js"

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        ...configDefaults.exclude,
        "test/fleet.workers.test.ts",
        "test/fleet.outbox.crash.test.ts",
        "test/fleet.outbox.mixedCrash.test.ts"
      ]
    }
  })
)
