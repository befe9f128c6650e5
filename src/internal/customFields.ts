/** The `customFields` resource: list the active definitions, create one. */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { CustomField, CustomFieldInput } from "../CustomField.js"
import type { CustomFieldsApi } from "../RecotapCrm.js"
import { TransportError } from "../RecotapError.js"
import { asTransportError, type Endpoint, type Pipeline } from "./pipeline.js"

const ListCustomFields: Endpoint<void, ReadonlyArray<CustomField>> = {
  operation: "customFields.list",
  method: "GET",
  path: "/accounts/custom-fields",
  response: Schema.Array(CustomField)
}

// Documented as an array holding the created field; a bare object is accepted too.
const CreateCustomField: Endpoint<CustomFieldInput, CustomField | ReadonlyArray<CustomField>> = {
  operation: "customFields.create",
  method: "POST",
  path: "/accounts/custom-field",
  body: CustomFieldInput,
  invalidInput: "BadRequest",
  response: Schema.Union(Schema.Array(CustomField), CustomField)
}

/** Builds the custom-fields resource over a pipeline. */
export const makeCustomFields = (pipeline: Pipeline): CustomFieldsApi => ({
  list: () => pipeline.read(ListCustomFields, undefined),
  create: (input) =>
    pipeline.execute(CreateCustomField, input).pipe(
      Effect.catchTag("NotFound", (error) => Effect.fail(asTransportError(error))),
      Effect.flatMap((answer) => {
        const created = Array.isArray(answer) ? answer[0] : answer as CustomField
        return created === undefined
          ? Effect.fail(
            new TransportError({
              reason: "Decode",
              method: "POST",
              url: `${pipeline.baseUrl}${CreateCustomField.path}`,
              detail: "the answer holds no created field"
            })
          )
          : Effect.succeed(created)
      })
    )
})
