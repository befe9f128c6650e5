/**
 * One attempt as the caller sees it: bodies that arrive in several chunks (with and without a
 * Content-Length), the size cap at its boundary, which answers are followed as redirects (and
 * how a 303 changes the request), and which connection failures count as never sent.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { RecotapCrm } from "../src/index.js"
import {
  account,
  activity,
  bytesInChunks,
  chunkedResponse,
  crmWith,
  crmWithBodies,
  envelope,
  failureOf,
  networkFailure,
  settle,
  successOf
} from "./helpers.js"

const BASE = "https://eapi.recotap.com/api/v1/crm"
const list = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.list())
const update = Effect.flatMap(RecotapCrm, (crm) => crm.accounts.update({ externalId: "crm-1" }, { customFields: {} }))
const createField = Effect.flatMap(
  RecotapCrm,
  (crm) => crm.customFields.create({ label: "Revenue", labelType: "number" })
)
const pushActivities = (count: number) =>
  Effect.flatMap(
    RecotapCrm,
    (crm) => crm.salesActivities.push(Array.from({ length: count }, (_, i) => activity(i + 1)))
  )

/** The text of a success envelope. */
const envelopeText = (data: unknown) =>
  JSON.stringify({ statusCode: 200, timestamp: "2026-04-30T10:00:00.000Z", path: "/api/v1/crm/accounts", data })

/** A page of accounts whose names hold multi-byte characters. */
const unicodePage = () => {
  const accounts = [
    { ...account(1), name: "Café Ünïcødé GmbH" },
    { ...account(2), name: "株式会社サンプル" },
    { ...account(3), name: "Emoji 🚀 Ltd" }
  ]
  return { accounts, text: envelopeText({ data: accounts, nextCursor: "c2", hasNextPage: true }) }
}

const createdField = () => envelope([{ key: "REVENUE_C", label: "Revenue", labelType: "number" }])

describe("a body that arrives in several chunks", () => {
  for (const size of [1, 3, 7, 64]) {
    it.effect(`a JSON page in chunks of ${size} bytes (multi-byte characters split) reads as the whole page`, () => {
      const { accounts, text } = unicodePage()
      const { layer } = crmWith(() => chunkedResponse(bytesInChunks(text, size), { status: 200 }))
      return Effect.gen(function*() {
        const page = yield* list
        expect(page.data.map((a) => a.name)).toEqual(accounts.map((a) => a.name))
        expect(page.data.map((a) => a.rtp_aid)).toEqual(accounts.map((a) => a.rtp_aid))
        expect(page.nextCursor).toBe("c2")
        expect(page.hasNextPage).toBe(true)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a JSON page in chunks of uneven sizes, an empty chunk among them", () => {
    const { accounts, text } = unicodePage()
    const bytes = new TextEncoder().encode(text)
    const cuts = [0, 5, 5, 17, 18, 200, bytes.length]
    const chunks = cuts.slice(1).map((end, i) => bytes.slice(cuts[i], end))
    const { layer } = crmWith(() => chunkedResponse(chunks, { status: 200 }))
    return Effect.gen(function*() {
      expect((yield* list).data.map((a) => a.name)).toEqual(accounts.map((a) => a.name))
    }).pipe(Effect.provide(layer))
  })

  it.effect("an error body in chunks: the server's message, multi-byte characters whole", () => {
    const body = JSON.stringify({
      statusCode: 503,
      message: "Service Unavailable",
      customMessage: "Wartungsarbeiten – bitte später"
    })
    const { layer } = crmWith(() => chunkedResponse(bytesInChunks(body, 5), { status: 503 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "StatusCode", status: 503, notProcessed: true })
      expect(error.message).toContain("Wartungsarbeiten – bitte später")
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 400 with violations in chunks: a BadRequest with every violation", () => {
    const body = JSON.stringify({
      statusCode: 400,
      message: "Bad Request",
      data: [{ property: "customFields", constraints: { isObject: "customFields must be an object – ü" } }]
    })
    const { layer } = crmWith(() => chunkedResponse(bytesInChunks(body, 4), { status: 400 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(update)
      expect(error).toMatchObject({
        _tag: "BadRequest",
        origin: "server",
        violations: [{ property: "customFields", constraints: { isObject: "customFields must be an object – ü" } }]
      })
    }).pipe(Effect.provide(layer))
  })

  it.effect("an HTML error page in chunks is summarised by its title", () => {
    const page = "<html><head><title>502 Bad Gateway – nginx</title></head><body>" + "x".repeat(300) + "</body></html>"
    const { layer } = crmWith(() => chunkedResponse(bytesInChunks(page, 9), { status: 502 }))
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", status: 502 })
      expect(error.message).toContain("502 Bad Gateway – nginx")
    }).pipe(Effect.provide(layer))
  })

  it.effect("per-item results of a bulk write in chunks", () => {
    const body = envelopeText({
      results: [
        { externalActivityId: "act-1", status: "created" },
        { externalActivityId: "act-2", status: "failed", error: "Doppelte ID – schon vorhanden" }
      ]
    })
    const { layer } = crmWith(() => chunkedResponse(bytesInChunks(body, 6), { status: 200 }))
    return Effect.gen(function*() {
      const result = yield* pushActivities(2)
      expect(result.outcomes).toMatchObject([
        { _tag: "Applied", status: "created" },
        { _tag: "Rejected", status: "failed", error: "Doppelte ID – schon vorhanden" }
      ])
    }).pipe(Effect.provide(layer))
  })
})

describe("the size cap without a Content-Length: bytes are counted as they arrive", () => {
  const CAP = 2_000
  const capped = { retry: { maxRetries: 0 }, maxResponseBytes: CAP }
  /** A valid page of exactly `bytes` bytes (JSON padded with spaces), in chunks of 97 bytes. */
  const pageOf = (bytes: number) => {
    const text = envelopeText({ data: [account(1)], nextCursor: null, hasNextPage: false })
    return bytesInChunks(text + " ".repeat(bytes - new TextEncoder().encode(text).length), 97)
  }

  it.effect("a body of exactly maxResponseBytes, in chunks, is read", () => {
    const { layer } = crmWith(() => chunkedResponse(pageOf(CAP), { status: 200 }), undefined, capped)
    return Effect.gen(function*() {
      expect((yield* list).data).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("one byte more, in chunks, is refused with Decode, naming the cap", () => {
    const { layer } = crmWith(() => chunkedResponse(pageOf(CAP + 1), { status: 200 }), undefined, capped)
    return Effect.gen(function*() {
      const error = yield* Effect.flip(list)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
      expect(error.message).toContain(`larger than the ${CAP}-byte cap`)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a body given as text (no Content-Length either) is held to the cap too", () => {
    const text = envelopeText({ data: [], nextCursor: null, hasNextPage: false })
    const { layer } = crmWith(() => new Response(text + " ".repeat(CAP), { status: 200 }), undefined, capped)
    return Effect.gen(function*() {
      expect(yield* Effect.flip(list)).toMatchObject({ _tag: "TransportError", reason: "Decode" })
    }).pipe(Effect.provide(layer))
  })
})

describe("a declared Content-Length at the cap", () => {
  const CAP = 2_000
  const text = envelopeText({ data: [account(1)], nextCursor: null, hasNextPage: false })
  const exactly = text + " ".repeat(CAP - new TextEncoder().encode(text).length)

  it.effect("exactly maxResponseBytes is accepted", () => {
    const { layer } = crmWith(
      () =>
        new Response(exactly, {
          status: 200,
          headers: { "content-type": "application/json", "content-length": String(CAP) }
        }),
      undefined,
      { retry: { maxRetries: 0 }, maxResponseBytes: CAP }
    )
    return Effect.gen(function*() {
      expect((yield* list).data).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("one byte above is refused (Decode) on the declaration alone, and not retried", () => {
    // The body itself fits: the declared length alone refuses it.
    const { layer, sent } = crmWith(
      () =>
        new Response(exactly, {
          status: 200,
          headers: { "content-type": "application/json", "content-length": String(CAP + 1) }
        }),
      undefined,
      { maxResponseBytes: CAP }
    )
    return Effect.gen(function*() {
      const exit = yield* settle(list)
      const error = failureOf(exit)
      expect(error).toMatchObject({ _tag: "TransportError", reason: "Decode", status: 200 })
      expect(error.message).toContain(`larger than the ${CAP}-byte cap`)
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })
})

describe("what is followed as a redirect", () => {
  it.effect("a Location on a 200 is not followed: the page is read", () => {
    const { layer, sent } = crmWith(() => {
      const response = envelope({ data: [account(1)], nextCursor: null, hasNextPage: false })
      response.headers.set("location", `${BASE}/elsewhere`)
      return response
    })
    return Effect.gen(function*() {
      expect((yield* list).data).toHaveLength(1)
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a Location on a 201 is not followed: the created field is read", () => {
    const { layer, sent } = crmWithBodies(() =>
      new Response(
        JSON.stringify({ statusCode: 201, data: [{ key: "REVENUE_C", label: "Revenue", labelType: "number" }] }),
        {
          status: 201,
          headers: { "content-type": "application/json", location: `${BASE}/accounts/custom-field/REVENUE_C` }
        }
      )
    )
    return Effect.gen(function*() {
      expect(yield* createField).toMatchObject({ key: "REVENUE_C" })
      expect(sent.map((r) => r.method)).toEqual(["POST"])
    }).pipe(Effect.provide(layer))
  })

  for (const status of [301, 302, 303, 307, 308]) {
    it.effect(`a ${status} without Location is not followed: an unexpected status, not retried`, () => {
      const { layer, sent } = crmWith(() => new Response("", { status }), undefined, {})
      return Effect.gen(function*() {
        const error = failureOf(yield* settle(list))
        expect(error).toMatchObject({ _tag: "TransportError", reason: "StatusCode", status, attempts: 1 })
        expect(sent).toHaveLength(1)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a 300 is not followed, even with a same-origin Location", () => {
    const { layer, sent } = crmWith(
      () => new Response("", { status: 300, headers: { location: `${BASE}/accounts?choice=1` } }),
      undefined,
      {}
    )
    return Effect.gen(function*() {
      const error = failureOf(yield* settle(list))
      expect(error).toMatchObject({ _tag: "TransportError", reason: "StatusCode", status: 300, attempts: 1 })
      expect(sent).toHaveLength(1)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a relative Location is resolved against the request's URL", () => {
    const { layer, sent } = crmWith((request) =>
      request.url.pathname === "/api/v1/crm/accounts"
        ? new Response("", { status: 302, headers: { location: "/api/v1/crm/accounts-moved?x=1" } })
        : envelope({ data: [], nextCursor: null, hasNextPage: false })
    )
    return Effect.gen(function*() {
      yield* list
      expect(sent.map((r) => r.url.toString())).toEqual([`${BASE}/accounts`, `${BASE}/accounts-moved?x=1`])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 303 turns a POST into a GET without a body, with the key, to the Location", () => {
    const { layer, sent } = crmWithBodies((request) =>
      request.method === "POST"
        ? new Response("", { status: 303, headers: { location: `${BASE}/sales-activities/results/1` } })
        : envelope({ results: [{ externalActivityId: "act-1", status: "created" }] })
    )
    return Effect.gen(function*() {
      const result = yield* pushActivities(1)
      expect(result.outcomes).toMatchObject([{ _tag: "Applied", status: "created" }])
      expect(sent.map((r) => [r.method, r.url.toString()])).toEqual([
        ["POST", `${BASE}/sales-activities`],
        ["GET", `${BASE}/sales-activities/results/1`]
      ])
      expect(JSON.parse(sent[0]!.body)).toMatchObject({ activities: [{ externalActivityId: "act-1" }] })
      expect(sent[1]).toMatchObject({ bodyKind: "Empty", body: "" })
      expect(sent[1]?.headers["content-length"]).toBeUndefined()
      expect(sent[1]?.headers["x-api-key"]).toBe(sent[0]?.headers["x-api-key"])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 303 turns a PATCH into a GET without a body", () => {
    const { layer, sent } = crmWithBodies((request) =>
      request.method === "PATCH"
        ? new Response("", { status: 303, headers: { location: `${BASE}/accounts/external-ids/result` } })
        : envelope({ matched: 1, updated: 1, notFound: [] })
    )
    return Effect.gen(function*() {
      const result = yield* Effect.flatMap(
        RecotapCrm,
        (crm) => crm.accounts.mapExternalIds([{ domain: "a.com", externalId: "crm-1" }])
      )
      expect(result.outcomes).toMatchObject([{ _tag: "Applied" }])
      expect(sent.map((r) => r.method)).toEqual(["PATCH", "GET"])
      expect(sent[0]?.bodyKind).toBe("Uint8Array")
      expect(sent[1]).toMatchObject({ bodyKind: "Empty", body: "" })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a 303 turns a PUT into a GET without a body", () => {
    const { layer, sent } = crmWithBodies((request) =>
      request.method === "PUT"
        ? new Response("", { status: 303, headers: { location: `${BASE}/accounts/crm-1` } })
        : envelope({ message: "ok" })
    )
    return Effect.gen(function*() {
      yield* update
      expect(sent.map((r) => r.method)).toEqual(["PUT", "GET"])
      expect(sent[1]).toMatchObject({ bodyKind: "Empty", body: "" })
    }).pipe(Effect.provide(layer))
  })

  for (const status of [307, 308]) {
    it.effect(`a ${status} keeps the POST and its body`, () => {
      const { layer, sent } = crmWithBodies((request) =>
        request.url.pathname.endsWith("/moved")
          ? envelope({ results: [{ externalActivityId: "act-1", status: "created" }] })
          : new Response("", { status, headers: { location: `${BASE}/sales-activities/moved` } })
      )
      return Effect.gen(function*() {
        expect((yield* pushActivities(1)).outcomes).toMatchObject([{ _tag: "Applied" }])
        expect(sent.map((r) => r.method)).toEqual(["POST", "POST"])
        expect(sent[1]?.body).toBe(sent[0]?.body)
        expect(JSON.parse(sent[1]!.body)).toMatchObject({ activities: [{ externalActivityId: "act-1" }] })
      }).pipe(Effect.provide(layer))
    })
  }
})

describe("connection failures that mean the request was never sent", () => {
  for (const code of ["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED"]) {
    it.effect(`${code}: a create-only single write is retried, and succeeds`, () => {
      let calls = 0
      const { layer, sent } = crmWith(
        () => (calls++ === 0 ? Effect.fail(networkFailure(code)) : createdField()),
        undefined,
        {}
      )
      return Effect.gen(function*() {
        expect(successOf(yield* settle(createField))).toMatchObject({ key: "REVENUE_C" })
        expect(sent).toHaveLength(2)
      }).pipe(Effect.provide(layer))
    })

    it.effect(`${code}: when it lasts, the single write fails with notProcessed, after every attempt`, () => {
      const { layer, sent } = crmWith(() => Effect.fail(networkFailure(code)), undefined, {})
      return Effect.gen(function*() {
        const error = failureOf(yield* settle(createField))
        expect(error).toMatchObject({ _tag: "TransportError", reason: "Transport", notProcessed: true, attempts: 3 })
        expect(error.message).toContain(code)
        expect(sent).toHaveLength(3)
      }).pipe(Effect.provide(layer))
    })

    it.effect(`${code}: a bulk item is retried, then Unavailable with notProcessed`, () => {
      const { layer, sent } = crmWith(() => Effect.fail(networkFailure(code)), undefined, {})
      return Effect.gen(function*() {
        const result = successOf(yield* settle(pushActivities(2)))
        expect(sent).toHaveLength(3)
        expect(result.summary).toMatchObject({ total: 2, unavailable: 2 })
        expect(result.outcomes[0]).toMatchObject({
          _tag: "Unavailable",
          error: { _tag: "TransportError", reason: "Transport", notProcessed: true, attempts: 3 }
        })
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("the code may sit on the error itself, without fetch's wrapper", () => {
    const { layer } = crmWith(
      () => Effect.fail(Object.assign(new Error("getaddrinfo ENOTFOUND eapi.recotap.com"), { code: "ENOTFOUND" })),
      undefined,
      { retry: { maxRetries: 0 } }
    )
    return Effect.gen(function*() {
      expect(yield* Effect.flip(createField)).toMatchObject({ _tag: "TransportError", notProcessed: true })
    }).pipe(Effect.provide(layer))
  })

  it.effect("a reset (ECONNRESET) is not: a create-only write is not retried; the bulk item is Unknown", () => {
    const { layer, sent } = crmWith(() => Effect.fail(networkFailure("ECONNRESET")), undefined, {})
    return Effect.gen(function*() {
      const single = failureOf(yield* settle(createField))
      expect(single).toMatchObject({ _tag: "TransportError", reason: "Transport", attempts: 1 })
      expect(single).not.toHaveProperty("notProcessed")
      expect(sent).toHaveLength(1)
      const bulk = successOf(yield* settle(pushActivities(1)))
      expect(bulk.outcomes).toMatchObject([{ _tag: "Unknown", error: { reason: "Transport" } }])
      expect(sent).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a failure without any code is not: Unknown", () => {
    const { layer } = crmWith(() => Effect.fail(new TypeError("fetch failed")), undefined, {})
    return Effect.gen(function*() {
      const bulk = successOf(yield* settle(pushActivities(1)))
      expect(bulk.outcomes).toMatchObject([{ _tag: "Unknown" }])
    }).pipe(Effect.provide(layer))
  })

  // Never sent only when every code along the cause chain says so: a reset whose cause also
  // mentions a DNS failure may have sent the request.
  const mixed: ReadonlyArray<ReadonlyArray<string>> = [
    ["ECONNRESET", "ENOTFOUND"],
    ["ENOTFOUND", "ECONNRESET"],
    ["ETIMEDOUT", "EAI_AGAIN"],
    ["ECONNRESET", "EPIPE", "ECONNREFUSED"]
  ]
  for (const chain of mixed) {
    it.effect(`a cause chain ${chain.join(" → ")} may have been sent: a create-only write is not retried`, () => {
      let calls = 0
      const { layer, sent } = crmWith(
        () => (calls++ === 0 ? Effect.fail(networkFailure(...chain)) : createdField()),
        undefined,
        {}
      )
      return Effect.gen(function*() {
        const exit = yield* settle(createField)
        expect(failureOf(exit)).toMatchObject({ _tag: "TransportError", reason: "Transport" })
        expect(
          Exit.isFailure(exit) && exit.cause._tag === "Fail" &&
            (exit.cause.error as { notProcessed?: boolean }).notProcessed
        )
          .toBeUndefined()
        expect(sent).toHaveLength(1)
      }).pipe(Effect.provide(layer))
    })
  }

  it.effect("a chain of never-sent codes only (ENOTFOUND → EAI_AGAIN) is never sent: retried, and notProcessed", () => {
    let calls = 0
    const { layer, sent } = crmWith(
      () => (calls++ === 0 ? Effect.fail(networkFailure("ENOTFOUND", "EAI_AGAIN")) : createdField()),
      undefined,
      {}
    )
    return Effect.gen(function*() {
      expect(Exit.isSuccess(yield* settle(createField))).toBe(true)
      expect(sent).toHaveLength(2)
    }).pipe(Effect.provide(layer))
  })

  it.effect("a mixed chain that lasts: the bulk items are Unknown", () => {
    const { layer } = crmWith(() => Effect.fail(networkFailure("ECONNRESET", "ENOTFOUND")), undefined, {
      retry: { maxRetries: 0 }
    })
    return Effect.gen(function*() {
      const result = yield* pushActivities(1)
      expect(result.outcomes).toMatchObject([{ _tag: "Unknown" }])
    }).pipe(Effect.provide(layer))
  })

  it.effect("a chain of resets and timeouts only is not: Unknown", () => {
    const { layer } = crmWith(() => Effect.fail(networkFailure("ECONNRESET", "ETIMEDOUT")), undefined, {
      retry: { maxRetries: 0 }
    })
    return Effect.gen(function*() {
      const result = yield* pushActivities(1)
      expect(result.outcomes).toMatchObject([{ _tag: "Unknown" }])
    }).pipe(Effect.provide(layer))
  })
})
