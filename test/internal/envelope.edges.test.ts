/** The edges of reading Recotap's envelopes: bodies that are not envelopes, odd violations, long and odd texts. */
import { describe, expect, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { decodePayload, MAX_SERVER_TEXT, readErrorBody, summariseText, truncate } from "../../src/internal/envelope.js"

const named = decodePayload(Schema.Struct({ name: Schema.String }))

/** Where each issue of a failed decode points, and what it says. */
const issues = (result: Either.Either<unknown, ParseResult.ParseError>) =>
  Either.match(result, {
    onLeft: (error) =>
      ParseResult.ArrayFormatter.formatErrorSync(error).map(({ message, path }) => ({ path, message })),
    onRight: (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`)
    }
  })

/** The violations read from an error body whose `data` is `items`. */
const violationsOf = (items: ReadonlyArray<unknown>) =>
  Option.getOrThrow(readErrorBody({ statusCode: 400, message: "Bad Request", data: items })).violations

describe("decodePayload: bodies that are not envelopes", () => {
  it("a JSON null is decoded bare, by a schema that takes null", () => {
    expect(decodePayload(Schema.Null)(null)).toEqual(Either.right(null))
  })

  it("a JSON null a schema does not take is a parse error, not a crash", () => {
    expect(issues(named(null))).toEqual([{ path: [], message: "Expected { readonly name: string }, actual null" }])
  })

  it("a number or a string is decoded bare", () => {
    expect(decodePayload(Schema.Number)(5)).toEqual(Either.right(5))
    expect(decodePayload(Schema.String)("Unaware")).toEqual(Either.right("Unaware"))
    expect(issues(named(5))).toEqual([{ path: [], message: "Expected { readonly name: string }, actual 5" }])
  })

  it("an object without `data` that does not fit is reported as itself, not as an empty envelope", () => {
    expect(issues(named({ nom: "x" }))).toEqual([{ path: ["name"], message: "is missing" }])
  })

  it("an envelope whose `data` does not fit is reported at `data.<field>`", () => {
    expect(issues(named({ statusCode: 200, data: { nom: 1 } }))).toEqual([{
      path: ["data", "name"],
      message: "is missing"
    }])
  })
})

describe("readErrorBody: violations", () => {
  it("items that are not class-validator errors are skipped", () => {
    const items = [
      null,
      undefined,
      "domain should not be empty",
      42,
      true,
      [{ property: "inArray", constraints: { isString: "nested in an array" } }],
      { constraints: { isNotEmpty: "no property" } },
      { property: 7, constraints: { isNotEmpty: "a numeric property" } },
      { property: "domain", constraints: { isNotEmpty: "domain should not be empty" } }
    ]
    expect(violationsOf(items)).toEqual([{
      property: "domain",
      constraints: { isNotEmpty: "domain should not be empty" }
    }])
  })

  it("constraints that are not strings are dropped; an item left with none is not listed", () => {
    expect(violationsOf([
      {
        property: "name",
        constraints: { isString: "name must be a string", context: { code: 1 }, weight: 3, none: null }
      },
      { property: "domain", constraints: { isNotEmpty: { message: "not a string" } } }
    ])).toEqual([{ property: "name", constraints: { isString: "name must be a string" } }])
  })

  it("nested errors are flattened through `children` to dotted properties; a parent without messages is not listed", () => {
    expect(violationsOf([
      {
        property: "deals",
        children: [
          {
            property: "1",
            constraints: {},
            children: [{ property: "ownerEmail", constraints: { isEmail: "ownerEmail must be an email" } }]
          }
        ]
      }
    ])).toEqual([{ property: "deals.1.ownerEmail", constraints: { isEmail: "ownerEmail must be an email" } }])
  })

  it("a parent with messages comes before its children", () => {
    expect(violationsOf([
      {
        property: "account",
        constraints: { isObject: "account must be an object" },
        children: [{ property: "domain", constraints: { isFqdn: "domain must be a domain name" } }]
      }
    ])).toEqual([
      { property: "account", constraints: { isObject: "account must be an object" } },
      { property: "account.domain", constraints: { isFqdn: "domain must be a domain name" } }
    ])
  })

  it("`children` that is not a list is ignored", () => {
    expect(violationsOf([
      { property: "name", constraints: { isString: "name must be a string" }, children: { property: "x" } },
      { property: "domain", constraints: { isNotEmpty: "domain should not be empty" }, children: "none" }
    ])).toEqual([
      { property: "name", constraints: { isString: "name must be a string" } },
      { property: "domain", constraints: { isNotEmpty: "domain should not be empty" } }
    ])
  })
})

describe("truncate: the boundary at MAX_SERVER_TEXT", () => {
  it("a text of exactly 500 characters is kept whole", () => {
    const text = "x".repeat(MAX_SERVER_TEXT)
    expect(truncate(text)).toBe(text)
    expect(Option.getOrThrow(readErrorBody({ message: text })).serverMessage).toBe(text)
  })

  it("a text of 501 characters is cut to 500 and says how long it was", () => {
    expect(truncate("x".repeat(MAX_SERVER_TEXT + 1))).toBe(`${"x".repeat(MAX_SERVER_TEXT)}… (501 characters)`)
  })
})

describe("summariseText", () => {
  it("an HTML page is named by its title, without the white space around it", () => {
    expect(summariseText("<html><head><title>\n  502 Bad Gateway\n</title></head><body>nginx</body></html>"))
      .toBe("an HTML page: 502 Bad Gateway")
  })

  it("a title with attributes is found too", () => {
    expect(summariseText(`<html><head><TITLE lang="en">Service Unavailable</TITLE></head></html>`))
      .toBe("an HTML page: Service Unavailable")
  })

  it("a page whose title is blank is summarised by its folded text", () => {
    expect(summariseText("<html><title>  </title><body>Gateway Timeout</body></html>"))
      .toBe("<html><title> </title><body>Gateway Timeout</body></html>")
  })

  it("other text has each run of white space folded into one space, and none at the ends", () => {
    expect(summariseText("\n  upstream   connect error\r\n\tor disconnect  \n")).toBe(
      "upstream connect error or disconnect"
    )
  })

  it("text of white space only is an empty body", () => {
    expect(summariseText(" \n\t ")).toBe("an empty body")
  })
})
