/**
 * Faults the simulator can inject: what a flaky network, an overloaded service or a proxy does.
 *
 * A route is `"METHOD /path"` relative to the API prefix (`"GET /accounts"`,
 * `"PUT /accounts/:id"`) or `"*"` for every route.
 *
 * @example
 * ```ts
 * import { Fault, Simulator } from "effect-recotap/simulator"
 *
 * const sim = new Simulator()
 * sim.faults.script("GET /accounts", Fault.status(503), Fault.status(503)) // two 503s, then normal
 * sim.faults.always("*", Fault.latency(200))                             // every request is slow
 * ```
 *
 * @since 0.1.0
 */

/**
 * One fault.
 *
 * - `Status`, `RateLimited`, `Html`, `Redirect`, `Reset`: the request is **not** processed.
 * - `Latency`: processed, answered late.
 * - `Truncated`, `MalformedJson`, `Oversized`: processed (a write is applied), answer mangled.
 *
 * @since 0.1.0
 * @category models
 */
export type Fault =
  | { readonly _tag: "Status"; readonly status: number; readonly body?: string }
  | { readonly _tag: "RateLimited"; readonly retryAfter: number | Date }
  | { readonly _tag: "Latency"; readonly millis: number }
  | { readonly _tag: "Reset" }
  | { readonly _tag: "Truncated" }
  | { readonly _tag: "MalformedJson" }
  | { readonly _tag: "Html"; readonly status: number }
  | { readonly _tag: "Redirect"; readonly status: number; readonly origin: "same" | string }
  | { readonly _tag: "Oversized"; readonly bytes: number }

/**
 * Builds faults.
 *
 * @since 0.1.0
 * @category schemas
 */
export const Fault = {
  /** Answer with this status (and an optional raw body) instead of processing. */
  status: (status: number, body?: string): Fault => ({
    _tag: "Status",
    status,
    ...(body === undefined ? {} : { body })
  }),
  /** 429 with `Retry-After`: a number of seconds, or a `Date` sent in HTTP-date form. */
  rateLimited: (retryAfter: number | Date): Fault => ({ _tag: "RateLimited", retryAfter }),
  /** Process normally, answer after `millis`. */
  latency: (millis: number): Fault => ({ _tag: "Latency", millis }),
  /** Reset the connection without answering. */
  reset: (): Fault => ({ _tag: "Reset" }),
  /** Process, then close the connection halfway through the body. */
  truncated: (): Fault => ({ _tag: "Truncated" }),
  /** Process, then answer 200 with a body that is not valid JSON. */
  malformedJson: (): Fault => ({ _tag: "MalformedJson" }),
  /** An HTML error page, as a proxy or load balancer sends it (502 by default). */
  html: (status = 502): Fault => ({ _tag: "Html", status }),
  /** A redirect to the same URL on the same origin, or on another origin (e.g. `https://evil.example`). */
  redirect: (origin: "same" | string = "same", status = 307): Fault => ({ _tag: "Redirect", status, origin }),
  /** Process, then answer with a valid JSON body padded to at least `bytes` bytes. */
  oversized: (bytes: number): Fault => ({ _tag: "Oversized", bytes })
} as const

/**
 * A route name such as `"GET /accounts"`, or `"*"`.
 *
 * @since 0.1.0
 * @category models
 */
export type FaultRoute = string

/**
 * Scripted and permanent faults, per route.
 *
 * @since 0.1.0
 * @category models
 */
export class Faults {
  private readonly scripts = new Map<FaultRoute, Array<Fault>>()
  private readonly permanent = new Map<FaultRoute, Fault>()

  /**
   * Queues faults for a route: each request to it takes the next one, then requests are normal again.
   *
   * @since 0.1.0
   */
  script(route: FaultRoute, ...faults: ReadonlyArray<Fault>): this {
    this.scripts.set(route, [...(this.scripts.get(route) ?? []), ...faults])
    return this
  }

  /**
   * Applies a fault to every request to a route until cleared.
   *
   * @since 0.1.0
   */
  always(route: FaultRoute, fault: Fault): this {
    this.permanent.set(route, fault)
    return this
  }

  /**
   * Removes every fault.
   *
   * @since 0.1.0
   */
  clear(): this {
    this.scripts.clear()
    this.permanent.clear()
    return this
  }

  /**
   * Faults still queued for a route.
   *
   * @since 0.1.0
   */
  pending(route: FaultRoute): number {
    return this.scripts.get(route)?.length ?? 0
  }

  /**
   * The fault for the next request to `route`, if any: its own script, then `*`'s, then permanent ones.
   *
   * @since 0.1.0
   */
  take(route: FaultRoute): Fault | undefined {
    for (const name of [route, "*"]) {
      const queue = this.scripts.get(name)
      if (queue !== undefined && queue.length > 0) return queue.shift()
    }
    return this.permanent.get(route) ?? this.permanent.get("*")
  }
}
