/** Every method's error channel is exactly what it can fail with: checked by the compiler. */
import { describe, expectTypeOf, it } from "@effect/vitest"
import type * as Effect from "effect/Effect"
import type * as Stream from "effect/Stream"
import type {
  BadRequest,
  CheckpointCorrupt,
  Conflict,
  CustomFieldMismatch,
  InvalidApiKey,
  MissingApiKey,
  NotFound,
  RecotapCrmService,
  RecotapError,
  TransportError
} from "../src/index.js"

type ErrorOf<F> = F extends (...args: Array<any>) => infer R
  ? R extends Effect.Effect<any, infer E, any> ? E : R extends Stream.Stream<any, infer E, any> ? E : never
  : never

type Read = MissingApiKey | InvalidApiKey | TransportError
type Bulk = MissingApiKey | InvalidApiKey

describe("error unions", () => {
  it("reads fail with MissingApiKey | InvalidApiKey | TransportError only", () => {
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["list"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["pages"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["stream"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["sync"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["listUnmapped"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["customFields"]["list"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["dealStages"]["list"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["segments"]["list"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["segments"]["pages"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["segments"]["stream"]>>().toEqualTypeOf<Read>()
    expectTypeOf<ErrorOf<RecotapCrmService["journeyStages"]["list"]>>().toEqualTypeOf<Read>()
  })

  it("single writes add only what the API can answer", () => {
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["update"]>>().toEqualTypeOf<Read | BadRequest | NotFound>()
    expectTypeOf<ErrorOf<RecotapCrmService["customFields"]["create"]>>().toEqualTypeOf<Read | BadRequest | Conflict>()
    expectTypeOf<ErrorOf<RecotapCrmService["customFields"]["ensure"]>>().toEqualTypeOf<
      Read | BadRequest | CustomFieldMismatch
    >()
  })

  it("bulk writes report everything per item, and fail only on the key", () => {
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["push"]>>().toEqualTypeOf<Bulk>()
    expectTypeOf<ErrorOf<RecotapCrmService["accounts"]["mapExternalIds"]>>().toEqualTypeOf<Bulk>()
    expectTypeOf<ErrorOf<RecotapCrmService["deals"]["push"]>>().toEqualTypeOf<Bulk>()
    expectTypeOf<ErrorOf<RecotapCrmService["dealStages"]["push"]>>().toEqualTypeOf<Bulk>()
    expectTypeOf<ErrorOf<RecotapCrmService["salesActivities"]["push"]>>().toEqualTypeOf<Bulk>()
  })
})

describe("RecotapError", () => {
  it("is every error any call can fail with", () => {
    expectTypeOf<RecotapError>().toEqualTypeOf<
      Read | BadRequest | NotFound | Conflict | CustomFieldMismatch | CheckpointCorrupt
    >()
  })
})
