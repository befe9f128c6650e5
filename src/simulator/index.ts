/**
 * effect-recotap/simulator: an in-memory Recotap CRM API for tests, demos and benchmarks.
 *
 * @module
 */
export * from "./demoData.js"
export * from "./Fault.js"
export * from "./RecotapSimulator.js"
export * from "./Reply.js"
export * from "./Simulator.js"
export * from "./SimulatorHttpClient.js"
export * from "./SimulatorServer.js"
