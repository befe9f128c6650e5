/**
 * The simulator as Effect layers: a complete `RecotapCrm` test layer in one line.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import { RecotapCrm } from "effect-recotap"
 * import { RecotapSimulator } from "effect-recotap/simulator"
 *
 * const program = Effect.gen(function*() {
 *   const sim = yield* RecotapSimulator
 *   sim.seedAccounts([{ name: "Acme", domain: "acme.com", externalId: "crm-1" }])
 *   const crm = yield* RecotapCrm
 *   const page = yield* crm.accounts.list()
 *   return page.data[0]?.domain // "acme.com"
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(RecotapSimulator.layerCrm()))).then(console.log)
 * ```
 *
 * @since 0.1.0
 */
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { ApiKey } from "../ApiKey.js"
import { RecotapConfig, type RecotapConfigOptions } from "../RecotapConfig.js"
import { RecotapCrm } from "../RecotapCrm.js"
import { DEFAULT_SIMULATOR_KEY, PREFIXES, Simulator, type SimulatorOptions } from "./Simulator.js"
import { makeSimulatorHttpClient, SIMULATOR_ORIGIN } from "./SimulatorHttpClient.js"
import { type ListenOptions, type RunningSimulator, serve, type SimulatorServeError } from "./SimulatorServer.js"

/**
 * Options of the ready-made client layers: the simulator's, and the client settings to use.
 *
 * @since 0.1.0
 * @category models
 */
export interface SimulatorCrmOptions extends SimulatorOptions {
  /** Client settings (the base URL is the simulator's unless given). */
  readonly config?: RecotapConfigOptions
}

/**
 * The running loopback server of `RecotapSimulator.layerServer`.
 *
 * @since 0.1.0
 * @category models
 */
export class SimulatorServer
  extends Context.Tag("effect-recotap/SimulatorServer")<SimulatorServer, RunningSimulator>()
{}

const clientLayer = (options: SimulatorCrmOptions, baseUrl: string) =>
  Layer.merge(
    ApiKey.layer(Redacted.make(options.keys?.[0] ?? DEFAULT_SIMULATOR_KEY)),
    // The client speaks the simulator's revision unless told otherwise; it may run in a
    // browser, as its key is the simulator's.
    Layer.orDie(
      RecotapConfig.layer({
        baseUrl,
        revision: options.revision ?? "crm",
        ...options.config,
        dangerouslyAllowBrowser: true
      })
    )
  )

/**
 * The simulator of the current test or program. Each layer build makes a fresh one.
 *
 * @since 0.1.0
 * @category services
 */
export class RecotapSimulator extends Context.Tag("effect-recotap/RecotapSimulator")<RecotapSimulator, Simulator>() {
  /**
   * A fresh simulator.
   *
   * @since 0.1.0
   */
  static make(options: SimulatorOptions = {}): Layer.Layer<RecotapSimulator> {
    return Layer.sync(RecotapSimulator, () => new Simulator(options))
  }

  /**
   * A fresh simulator and an `HttpClient` it answers in memory.
   *
   * @since 0.1.0
   */
  static layer(options: SimulatorOptions = {}): Layer.Layer<RecotapSimulator | HttpClient.HttpClient> {
    return Layer.effect(HttpClient.HttpClient, Effect.map(RecotapSimulator, makeSimulatorHttpClient)).pipe(
      Layer.provideMerge(RecotapSimulator.make(options))
    )
  }

  /**
   * The real `RecotapCrm` over a fresh in-memory simulator, with its key and base URL: a complete test layer.
   *
   * @since 0.1.0
   */
  static layerCrm(options: SimulatorCrmOptions = {}): Layer.Layer<RecotapCrm | RecotapSimulator> {
    return Layer.orDie(RecotapCrm.layer).pipe(
      Layer.provide(clientLayer(options, `${SIMULATOR_ORIGIN}${PREFIXES[options.revision ?? "crm"]}`)),
      Layer.provideMerge(RecotapSimulator.layer(options))
    )
  }

  /**
   * A fresh simulator served on loopback HTTP for the layer's lifetime.
   *
   * @since 0.1.0
   */
  static layerServer(
    options: SimulatorOptions & ListenOptions = {}
  ): Layer.Layer<RecotapSimulator | SimulatorServer, SimulatorServeError> {
    return Layer.scoped(SimulatorServer, Effect.flatMap(RecotapSimulator, (sim) => serve(sim, options))).pipe(
      Layer.provideMerge(RecotapSimulator.make(options))
    )
  }

  /**
   * The real `RecotapCrm` over `fetch` and a loopback simulator server: the whole stack, sockets included.
   *
   * @since 0.1.0
   */
  static layerCrmServer(
    options: SimulatorCrmOptions & ListenOptions = {}
  ): Layer.Layer<RecotapCrm | RecotapSimulator | SimulatorServer, SimulatorServeError> {
    const client = Layer.unwrapEffect(
      Effect.map(
        SimulatorServer,
        (server) =>
          Layer.orDie(RecotapCrm.layer).pipe(
            Layer.provide(clientLayer(options, server.baseUrl)),
            Layer.provide(FetchHttpClient.layer)
          )
      )
    )
    return client.pipe(Layer.provideMerge(RecotapSimulator.layerServer(options)))
  }
}
