/**
 * Per-call overrides of the client's retry policy, timeout and deadline.
 *
 * `RecotapCallOptions` is a `Context.Reference` read at each request: provide it around a call
 * (or a stream) to change how that call behaves, without touching the client's layer.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import { RecotapCallOptions, RecotapCrm } from "effect-recotap"
 *
 * const program = Effect.gen(function*() {
 *   const crm = yield* RecotapCrm
 *   // this one call: no retries, a 5 s overall deadline
 *   const page = yield* crm.accounts.list().pipe(
 *     Effect.provideService(RecotapCallOptions, { retry: { maxRetries: 0 }, deadline: "5 seconds" })
 *   )
 *   // a whole stream, each page within 10 s
 *   const all = crm.accounts.stream().pipe(Stream.provideService(RecotapCallOptions, { deadline: "10 seconds" }))
 *   return { page, all }
 * })
 * ```
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import type * as Duration from "effect/Duration"
import type { RetryOptions } from "./RecotapConfig.js"

/**
 * What one call may override; unset fields keep the client's settings.
 *
 * @since 0.1.0
 * @category models
 */
export interface CallOptions {
  readonly retry?: RetryOptions
  /** Per-attempt timeout. */
  readonly timeout?: Duration.DurationInput
  /** Overall deadline of the call, retries included (for streams: of each page; for bulk writes: of each request). */
  readonly deadline?: Duration.DurationInput
}

/**
 * Per-call overrides; none by default. They follow the rules of `RecotapConfig`; an invalid
 * value (a negative duration, a fractional retry count) is a bug in the caller and dies as a
 * defect rather than failing the call.
 *
 * @since 0.1.0
 * @category services
 */
export class RecotapCallOptions extends Context.Reference<RecotapCallOptions>()("effect-recotap/RecotapCallOptions", {
  defaultValue: (): CallOptions => ({})
}) {}
