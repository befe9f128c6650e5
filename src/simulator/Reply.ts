/**
 * What the simulator answers, before any transport turns it into bytes.
 *
 * The simulator decides an answer synchronously; a transport (the in-memory `HttpClient` or
 * the loopback HTTP server) then realises it, including the faults that only a transport can
 * produce: a delay, a connection reset, a body cut short.
 *
 * @module
 */
export type { Reply, Reset, Respond, SimRequest, Truncated } from "./internal/reply.js"
