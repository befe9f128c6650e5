/** The pauses, leases and tick claims of one process only: what `Fleet.layerMemory` shares between clients. */
import type * as PlatformError from "@effect/platform/Error"
import * as KeyValueStore from "@effect/platform/KeyValueStore"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import { fencedOut, type LeaseService } from "./lease.js"
import type { PauseStore } from "./shared.js"
import type { TicksService } from "./ticks.js"

/** A pause store in memory: the end of each workspace's pause. */
export const makeMemoryPauses = (): PauseStore<never> => {
  const until = new Map<string, number>()
  return {
    remaining: (workspace) => {
      const end = until.get(workspace)
      return end === undefined ? Effect.succeed(0) : Effect.map(Clock.currentTimeMillis, (now) => end - now)
    },
    extend: (workspace, millis) =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        until.set(workspace, Math.max(until.get(workspace) ?? 0, now + millis))
      })
  }
}

/** Leases in this process only, over `store` (the process's `KeyValueStore`). */
export const makeMemoryLease = (store: KeyValueStore.KeyValueStore): LeaseService => {
  const leases = new Map<string, { readonly token: string; readonly until: number }>()
  const holds = (name: string, token: string) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      const lease = leases.get(name)
      return lease !== undefined && lease.token === token && lease.until > now
    })
  const take = (name: string, token: string, ttl: number, free: boolean) =>
    Effect.map(Clock.currentTimeMillis, (now) => {
      leases.set(name, { token, until: now + ttl })
      return free
    })
  const fencedWrite = (method: string, name: string, token: string) =>
  (
    write: Effect.Effect<void, PlatformError.PlatformError>
  ): Effect.Effect<void, PlatformError.PlatformError> =>
    Effect.flatMap(holds(name, token), (yes) => (yes ? write : Effect.fail(fencedOut(method, name))))
  return {
    acquire: (name, token, ttl) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const lease = leases.get(name)
        return lease !== undefined && lease.until > now ? Effect.succeed(false) : take(name, token, ttl, true)
      }),
    renew: (name, token, ttl) =>
      Effect.flatMap(holds(name, token), (yes) => (yes ? take(name, token, ttl, true) : Effect.succeed(false))),
    release: (name, token) =>
      Effect.map(holds(name, token), (yes) => {
        if (yes) leases.delete(name)
      }),
    fenced: (name, token) =>
      KeyValueStore.make({
        get: store.get,
        getUint8Array: store.getUint8Array,
        size: store.size,
        set: (key, value) => fencedWrite("set", name, token)(store.set(key, value)),
        remove: (key) => fencedWrite("remove", name, token)(store.remove(key)),
        clear: fencedWrite("clear", name, token)(store.clear)
      })
  }
}

/** Tick claims in this process only: the last tick claimed of each job. */
export const makeMemoryTicks = (): TicksService => {
  const claimed = new Map<string, number>()
  return {
    claim: (name, tickStart) =>
      Effect.sync(() => {
        if ((claimed.get(name) ?? Number.NEGATIVE_INFINITY) >= tickStart) return false
        claimed.set(name, tickStart)
        return true
      })
  }
}
