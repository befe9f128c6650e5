/**
 * What the simulator answers, before any transport turns it into bytes.
 *
 * The simulator decides an answer synchronously; a transport (the in-memory `HttpClient` or
 * the loopback HTTP server) then realises it, including the faults that only a transport can
 * produce: a delay, a connection reset, a body cut short.
 *
 * @since 0.1.0
 */
import type * as internal from "./internal/reply.js"

/**
 * @since 0.1.0
 * @category models
 */
export type Reply = internal.Reply

/**
 * @since 0.1.0
 * @category models
 */
export type Reset = internal.Reset

/**
 * @since 0.1.0
 * @category models
 */
export type Respond = internal.Respond

/**
 * @since 0.1.0
 * @category models
 */
export type SimRequest = internal.SimRequest

/**
 * @since 0.1.0
 * @category models
 */
export type Truncated = internal.Truncated
