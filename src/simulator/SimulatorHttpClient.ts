/**
 * The simulator served as an `HttpClient`: no sockets, no ports, and delays that follow the
 * Effect `Clock`, so `TestClock` drives injected latency.
 *
 * @since 0.1.0
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientError from "@effect/platform/HttpClientError"
import type * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type { Simulator } from "./Simulator.js"

/**
 * The origin the in-memory simulator pretends to live at (`.invalid` never resolves).
 *
 * @since 0.1.0
 * @category constants
 */
export const SIMULATOR_ORIGIN = "https://simulator.recotap.invalid"

const readBody = (
  request: HttpClientRequest.HttpClientRequest
): Effect.Effect<string, HttpClientError.RequestError> => {
  const body = request.body
  switch (body._tag) {
    case "Empty":
      return Effect.succeed("")
    case "Uint8Array":
      return Effect.succeed(new TextDecoder().decode(body.body))
    case "Raw":
      if (typeof body.body === "string") return Effect.succeed(body.body)
      break
  }
  return Effect.fail(
    new HttpClientError.RequestError({
      request,
      reason: "Encode",
      description: `the simulator reads text bodies, not ${body._tag}`
    })
  )
}

/** A body stream that delivers the first half of `text`, then fails as a closed connection does. */
const cutShort = (text: string): ReadableStream<Uint8Array> => {
  const bytes = new TextEncoder().encode(text)
  let sent = false
  return new ReadableStream({
    pull(controller) {
      if (sent) {
        controller.error(new TypeError("terminated: other side closed"))
      } else {
        sent = true
        controller.enqueue(bytes.slice(0, Math.floor(bytes.length / 2)))
      }
    }
  })
}

const connectionReset = () => Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" })

/**
 * An `HttpClient` whose every request is answered by `simulator`, in memory.
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeSimulatorHttpClient = (simulator: Simulator): HttpClient.HttpClient =>
  HttpClient.make((request, url) =>
    Effect.gen(function*() {
      const body = yield* readBody(request)
      const reply = simulator.reply({ method: request.method, url, headers: { ...request.headers }, body })
      if (reply.delayMillis > 0) yield* Effect.sleep(Duration.millis(reply.delayMillis))
      switch (reply._tag) {
        case "Reset":
          return yield* Effect.fail(
            new HttpClientError.RequestError({ request, reason: "Transport", cause: connectionReset() })
          )
        case "Truncated":
          return HttpClientResponse.fromWeb(
            request,
            new Response(cutShort(reply.body), { status: reply.status, headers: reply.headers })
          )
        case "Respond":
          return HttpClientResponse.fromWeb(
            request,
            new Response(reply.body === "" ? null : reply.body, { status: reply.status, headers: reply.headers })
          )
      }
    })
  )
