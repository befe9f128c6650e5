import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Tests never reach the network: fakes and the simulator stand in for Recotap.
    testTimeout: 15_000
  }
})
