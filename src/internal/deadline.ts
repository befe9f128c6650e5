/**
 * A call's deadline: what it watches of the call (the requests that leave, how each attempt
 * ends), and the error of a call whose deadline passes, which says no more than is known.
 * Without a deadline nothing is watched and nothing is armed.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { TransportError } from "../RecotapError.js"
import type { RecotapHttpClient } from "./httpClient.js"

/** How far a call got, for the error of a deadline that passes. */
export interface Progress {
  attempts: number
  inFlight: boolean
  /** Whether an attempt ended in a way that may have been processed (a 500, a reset, a timeout). */
  maybeProcessed: boolean
  last: TransportError | undefined
}

/**
 * The error of a call whose deadline passed. With no attempt in flight, and every failure so
 * far one that was certainly not processed (or no attempt at all), nothing was applied: the
 * whole history counts, not the last failure.
 */
export const deadlinePassed = (method: string, url: string, deadline: Duration.Duration, progress: Progress) =>
  new TransportError({
    reason: "Timeout",
    method,
    url: progress.last?.url ?? url,
    detail: `the call's deadline of ${Duration.format(deadline)} passed` +
      (progress.last === undefined ? "" : ` (last failure: ${progress.last.detail})`),
    attempts: progress.attempts,
    ...TransportError.certainlyNotProcessed(!progress.inFlight && !progress.maybeProcessed)
  })

/** What a call shows its deadline: each request that leaves, and each attempt's end. */
export interface Watch {
  /** The client, each request it sends counted (once the key is set and the pace and pause passed). */
  readonly client: (client: RecotapHttpClient) => RecotapHttpClient
  /** One attempt, its failure recorded. */
  readonly attempt: <A, E>(attempt: Effect.Effect<A, E>) => Effect.Effect<A, E>
}

/** Nothing watched: a call without a deadline. */
const unwatched: Watch = { client: (client) => client, attempt: (attempt) => attempt }

/** A fresh watch over `progress`. */
const watching = (progress: Progress): Watch => ({
  client: (client) =>
    HttpClient.tapRequest(client, () =>
      Effect.sync(() => {
        progress.attempts += 1
        progress.inFlight = true
      })),
  attempt: (attempt) =>
    Effect.tapError(attempt, (error) =>
      Effect.sync(() => {
        progress.inFlight = false
        if (error instanceof TransportError) {
          progress.maybeProcessed ||= error.notProcessed !== true
          progress.last = error
        }
      }))
})

/**
 * Runs the call that `call` builds within `deadline` (the key source's time included), watched
 * so that the error of a deadline that passes says how far it got. Without a deadline, the call
 * as it is.
 */
export const withinDeadline = <A, E>(
  deadline: Duration.Duration | undefined,
  method: string,
  url: () => string,
  call: (watch: Watch) => Effect.Effect<A, E>
): Effect.Effect<A, E | TransportError> =>
  deadline === undefined ? call(unwatched) : Effect.suspend(() => {
    // One progress per run of the call.
    const progress: Progress = { attempts: 0, inFlight: false, maybeProcessed: false, last: undefined }
    return Effect.timeoutFail(call(watching(progress)), {
      duration: deadline,
      onTimeout: () => deadlinePassed(method, url(), deadline, progress)
    })
  })
