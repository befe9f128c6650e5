/**
 * `RecotapCrm.layerTest`: a service assembled from the methods a test gives, where every method
 * not given dies, naming itself, when it is called.
 */
import * as Effect from "effect/Effect"
import * as Stream from "effect/Stream"
import { BASE_URLS } from "../RecotapConfig.js"
import type { RecotapCrmService } from "../RecotapCrm.js"

/** The service's resources (its other fields are settings). */
type ResourceName = Exclude<keyof RecotapCrmService, "revision" | "baseUrl">

/** Part of the service: any resource, any of its methods, and the settings it reports. */
export type PartialRecotapCrm =
  & { readonly [R in ResourceName]?: Partial<RecotapCrmService[R]> }
  & Partial<Pick<RecotapCrmService, "revision" | "baseUrl">>

type Returns = "effect" | "stream"

// What each method returns, so that a missing one fails the way its caller consumes it. Listing
// every method of every resource (the compiler holds this table to the service) keeps a new
// method from being forgotten here.
const methods: { readonly [R in ResourceName]: { readonly [M in keyof RecotapCrmService[R]]: Returns } } = {
  accounts: {
    list: "effect",
    pages: "stream",
    stream: "stream",
    sync: "stream",
    push: "effect",
    update: "effect",
    mapExternalIds: "effect",
    listUnmapped: "effect"
  },
  customFields: { list: "effect", create: "effect", ensure: "effect" },
  deals: { push: "effect" },
  dealStages: { push: "effect", list: "effect" },
  salesActivities: { push: "effect" },
  segments: { list: "effect", pages: "stream", stream: "stream" },
  journeyStages: { list: "effect" }
}

const missing = (name: string, returns: Returns) => {
  const message = `RecotapCrm.layerTest: ${name} was called, but the test gave no implementation for it`
  return returns === "effect" ? () => Effect.dieMessage(message) : () => Stream.dieMessage(message)
}

/**
 * The whole service: the given methods, and for every other one a method that dies naming itself;
 * the revision given (the default one otherwise) and the base URL given (that revision's otherwise).
 */
export const testService = (given: PartialRecotapCrm): RecotapCrmService => {
  const resource = <R extends ResourceName>(name: R): RecotapCrmService[R] => {
    const own: Record<string, unknown> = { ...given[name] }
    for (const [method, returns] of Object.entries(methods[name] as Record<string, Returns>)) {
      own[method] ??= missing(`${name}.${method}`, returns)
    }
    return own as unknown as RecotapCrmService[R]
  }
  // RecotapConfig's defaults: the CRM revision, at its production base URL.
  const revision = given.revision ?? "crm"
  return {
    revision,
    baseUrl: given.baseUrl ?? BASE_URLS[revision],
    accounts: resource("accounts"),
    customFields: resource("customFields"),
    deals: resource("deals"),
    dealStages: resource("dealStages"),
    salesActivities: resource("salesActivities"),
    segments: resource("segments"),
    journeyStages: resource("journeyStages")
  }
}
