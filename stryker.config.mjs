// Mutation testing of the request path: `npm run mutation` (never part of `npm test`).
// Each surviving mutant is a change to the code that no test notices; see the README's
// Performance and tests section for the scores and the equivalent mutants excluded.
/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts" },
  coverageAnalysis: "perTest",
  mutate: [
    "src/internal/requestPath.ts",
    "src/internal/deadline.ts",
    "src/internal/scrubKey.ts",
    "src/internal/httpClient.ts",
    "src/internal/body.ts",
    "src/internal/answer.ts",
    "src/internal/envelope.ts",
    "src/internal/endpoint.ts",
    "src/internal/retry.ts",
    "src/internal/pause.ts",
    "src/internal/rateLimiter.ts",
    "src/internal/coordination.ts",
    "src/internal/measure.ts",
    "src/internal/bulk.ts",
    "src/internal/paginate.ts",
    "src/ApiKey.ts"
  ],
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  concurrency: 2,
  // A static mutant (a module-level constant) reruns every test; they are left out to keep the
  // run within the hour on 2 cores, and counted as ignored.
  ignoreStatic: true,
  timeoutMS: 30_000,
  thresholds: { high: 90, low: 80, break: null },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always"
}
