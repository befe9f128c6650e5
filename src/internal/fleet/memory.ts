/** The pauses of workspaces in this process only: what `Fleet.layerMemory` shares between clients. */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { PauseStore } from "./shared.js"

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
