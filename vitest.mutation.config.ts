// The tests `npm run mutation` runs: all of them but those whose code under test runs in processes
// of their own (the examples, and the timing and crash tests across worker processes): no mutant
// is charged with their coverage, and on a machine slowed by the instrumented code the timing
// bounds mean nothing.
import { configDefaults, defineConfig, mergeConfig } from "vitest/config"
import base from "./vitest.config.js"

export default mergeConfig(
  base,
  defineConfig({
    test: {
      exclude: [
        ...configDefaults.exclude,
        "test/examples.test.ts",
        "test/fleet.workers.test.ts",
        "test/fleet.outbox.crash.test.ts",
        "test/fleet.outbox.mixedCrash.test.ts"
      ]
    }
  })
)
