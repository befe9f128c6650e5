/**
 * Whether the client runs in a browser: where `window`, `window.document` and `navigator` all
 * exist, as openai-node tells. Deno (which has no `window` since 2.0, and never had a
 * `document`), Bun, Node and web workers are not browsers here.
 */

/** The globals a browser has, each possibly absent. */
interface MaybeBrowser {
  readonly window?: { readonly document?: unknown } | undefined
  readonly navigator?: unknown
}

/** `true` in a browser's main thread. */
export const isBrowser = (globals: MaybeBrowser = globalThis): boolean =>
  typeof globals.window === "object" && globals.window !== null &&
  typeof globals.window.document !== "undefined" && typeof globals.navigator !== "undefined"
