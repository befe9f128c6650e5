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

const message = (name: string) => `RecotapCrm.layerTest: ${name} was called, but the test gave no implementation for it`

/** A missing method that returns an effect: it dies, naming itself. */
const effect = (name: string) => () => Effect.dieMessage(message(name))

/** A missing method that returns a stream: it dies, naming itself. */
const stream = (name: string) => () => Stream.dieMessage(message(name))

/**
 * The whole service: the given methods, and for every other one a method that dies naming itself;
 * the revision given (the default one otherwise) and the base URL given (that revision's otherwise).
 * Every method is listed (the compiler holds the object to the service), so that a new method is
 * not forgotten here, and each missing one fails the way its caller consumes it.
 */
export const testService = (given: PartialRecotapCrm): RecotapCrmService => {
  const { accounts = {}, customFields = {}, deals = {}, dealStages = {}, salesActivities = {} } = given
  const { segments = {}, journeyStages = {} } = given
  // RecotapConfig's defaults: the CRM revision, at its production base URL.
  const revision = given.revision ?? "crm"
  return {
    revision,
    baseUrl: given.baseUrl ?? BASE_URLS[revision],
    accounts: {
      list: accounts.list ?? effect("accounts.list"),
      pages: accounts.pages ?? stream("accounts.pages"),
      stream: accounts.stream ?? stream("accounts.stream"),
      sync: accounts.sync ?? stream("accounts.sync"),
      push: accounts.push ?? effect("accounts.push"),
      update: accounts.update ?? effect("accounts.update"),
      mapExternalIds: accounts.mapExternalIds ?? effect("accounts.mapExternalIds"),
      listUnmapped: accounts.listUnmapped ?? effect("accounts.listUnmapped")
    },
    customFields: {
      list: customFields.list ?? effect("customFields.list"),
      create: customFields.create ?? effect("customFields.create"),
      ensure: customFields.ensure ?? effect("customFields.ensure")
    },
    deals: { push: deals.push ?? effect("deals.push") },
    dealStages: {
      push: dealStages.push ?? effect("dealStages.push"),
      list: dealStages.list ?? effect("dealStages.list")
    },
    salesActivities: { push: salesActivities.push ?? effect("salesActivities.push") },
    segments: {
      list: segments.list ?? effect("segments.list"),
      pages: segments.pages ?? stream("segments.pages"),
      stream: segments.stream ?? stream("segments.stream")
    },
    journeyStages: { list: journeyStages.list ?? effect("journeyStages.list") }
  }
}
