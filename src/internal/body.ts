/**
 * Reading an answer's body as text, within the size cap: in one step when `Content-Length`
 * says how large it is, chunk by chunk (failing as soon as it grows past the cap) otherwise.
 */
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { TransportError } from "../RecotapError.js"
import { describeCause, urlOf } from "./httpClient.js"

/** Reads `response`'s body as text, at most `cap` bytes. */
export const readText = (
  response: HttpClientResponse.HttpClientResponse,
  cap: number
): Effect.Effect<string, TransportError> => {
  const { request } = response
  const tooLarge = () =>
    TransportError.decode(
      request.method,
      urlOf(request),
      `the response is larger than the ${cap}-byte cap`,
      response.status
    )
  const unreadable = (cause: unknown) =>
    new TransportError({
      reason: "Transport",
      method: request.method,
      url: urlOf(request),
      status: response.status,
      detail: `the response body could not be read: ${describeCause(cause)}`,
      cause
    })
  // The declared length: none (NaN) without a usable Content-Length, or when the body is
  // compressed, as its declared length is not what it inflates to: those are read chunk by chunk.
  const size = response.headers["content-encoding"] === undefined
    ? Number(response.headers["content-length"])
    : Number.NaN
  if (Number.isFinite(size)) {
    if (size > cap) return Effect.fail(tooLarge())
    // fetch holds the body to its declared length: one read is enough.
    return Effect.mapError(response.text, (error) => unreadable(error.cause))
  }
  return response.stream.pipe(
    Stream.catchAll((error) => (error.reason === "EmptyBody" ? Stream.empty : Stream.fail(unreadable(error.cause)))),
    Stream.runFoldEffect({ size: 0, chunks: Chunk.empty<Uint8Array>() }, (read, chunk) =>
      read.size + chunk.length > cap
        ? Effect.fail(tooLarge())
        : Effect.succeed({ size: read.size + chunk.length, chunks: Chunk.append(read.chunks, chunk) })),
    Effect.map(({ chunks, size }) => {
      const bytes = new Uint8Array(size)
      let offset = 0
      for (const chunk of chunks) {
        bytes.set(chunk, offset)
        offset += chunk.length
      }
      return new TextDecoder().decode(bytes)
    })
  )
}
