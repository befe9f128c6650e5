/**
 * Blanking the API key out of a server's text: a server that echoes the key (in a message, a
 * validation error, an HTML page) must not put it into an error, an outcome or a log line.
 */

/** What replaces the key wherever a server echoed it. */
const REDACTED = "<redacted>"

/** Shortest key blanked out of server text. */
const MIN_SCRUBBED_KEY = 8

/** Blanks `key` out of `text`; `key` is the key header the request was sent with. */
export type Scrub = (text: string, key: string | undefined) => string

/**
 * Blanks the key out of a server's text before anything reads it, as sent and in its JSON- and
 * URL-escaped forms. A key shorter than {@link MIN_SCRUBBED_KEY} is left alone: it would match
 * ordinary text (real keys are far longer).
 */
export const makeScrubber = (): Scrub => {
  // The forms of the last key seen: a key rarely changes, and most keys have a single form.
  let lastKey: string | undefined
  // Stryker disable next-line ArrayDeclaration: equivalent, never read before a key sets it (lastKey starts undefined)
  let forms: ReadonlyArray<string> = []
  return (text, key) => {
    if (key === undefined || key.length < MIN_SCRUBBED_KEY) return text
    // Stryker disable next-line ConditionalExpression: equivalent, a cache (the forms are the same when worked out again)
    if (key !== lastKey) {
      forms = [...new Set([key, JSON.stringify(key).slice(1, -1), encodeURIComponent(key)])]
      lastKey = key
    }
    let scrubbed = text
    for (const form of forms) {
      // Stryker disable next-line ConditionalExpression: equivalent, a shortcut (replacing what is absent changes nothing)
      if (scrubbed.includes(form)) scrubbed = scrubbed.replaceAll(form, REDACTED)
    }
    return scrubbed
  }
}
