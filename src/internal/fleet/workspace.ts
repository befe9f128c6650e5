/**
 * The name a shared store knows a workspace by: a hash of its key, never the key. Two clients on
 * one key share a budget; two workspaces in one store never do.
 */
import { createHash } from "node:crypto"

/** A 128-bit SHA-256 prefix, hex: enough to keep workspaces apart, and the key cannot be read back from it. */
const hash = (key: string): string => createHash("sha256").update(`effect-recotap:${key}`).digest("hex").slice(0, 32)

/** The workspace of a key. The last key asked is remembered: a client sends with one key until it rotates. */
export const makeWorkspaceOf = (): (key: string) => string => {
  let lastKey: string | undefined
  let lastId = ""
  return (key) => {
    if (key !== lastKey) {
      lastId = hash(key)
      lastKey = key
    }
    return lastId
  }
}
