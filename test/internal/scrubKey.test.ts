/** Blanking the key out of a server's text: every form of a real key, never a short one. */
import { describe, expect, it } from "@effect/vitest"
import { makeScrubber } from "../../src/internal/scrubKey.js"

describe("makeScrubber", () => {
  it("blanks the key as sent, JSON-escaped and URL-encoded", () => {
    const scrub = makeScrubber()
    const key = "rk_live/\"quoted\" key"
    const text = `a ${key} b ${JSON.stringify(key).slice(1, -1)} c ${encodeURIComponent(key)}`
    expect(scrub(text, key)).toBe("a <redacted> b <redacted> c <redacted>")
  })

  it("leaves the text alone without a key, or with a key shorter than 8 characters (it would match ordinary text)", () => {
    const scrub = makeScrubber()
    expect(scrub("the key abcdefg was refused", "abcdefg")).toBe("the key abcdefg was refused")
    expect(scrub("nothing to blank", undefined)).toBe("nothing to blank")
    expect(scrub("the key abcdefgh was refused", "abcdefgh")).toBe("the key <redacted> was refused")
  })

  it("follows a rotated key: the new key's forms, not the old one's", () => {
    const scrub = makeScrubber()
    expect(scrub("old-key-1234", "old-key-1234")).toBe("<redacted>")
    expect(scrub("old-key-1234 new-key-5678", "new-key-5678")).toBe("old-key-1234 <redacted>")
  })
})
