/** The `customFields` resource: list the active definitions, create one. */
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { CustomField, CustomFieldInput } from "../CustomField.js"
import type { CustomFieldsApi } from "../RecotapCrm.js"
import { endpoint } from "./endpoint.js"
import type { RequestPath } from "./pipeline.js"

const ListCustomFields = endpoint({
  operation: "customFields.list",
  method: "GET",
  path: "/accounts/custom-fields",
  response: Schema.Array(CustomField)
})

/** The created field: documented as an array holding it; a bare object is accepted too. */
const CreatedField = Schema.transformOrFail(
  Schema.Union(Schema.Array(CustomField), CustomField),
  Schema.typeSchema(CustomField),
  {
    strict: true,
    decode: (answer, _, ast) => {
      const created = Array.isArray(answer) ? answer[0] : answer as CustomField
      return created === undefined
        ? ParseResult.fail(new ParseResult.Type(ast, answer, "the answer holds no created field"))
        : ParseResult.succeed(created)
    },
    encode: (field) => ParseResult.succeed([field])
  }
)

const CreateCustomField = endpoint({
  operation: "customFields.create",
  method: "POST",
  path: "/accounts/custom-field",
  body: CustomFieldInput,
  response: CreatedField,
  typed: ["BadRequest", "Conflict"]
})

/** Builds the custom-fields resource over a pipeline. */
export const makeCustomFields = (pipeline: RequestPath): CustomFieldsApi => ({
  list: () => pipeline.execute(ListCustomFields, undefined),
  create: (input) => pipeline.execute(CreateCustomField, input)
})
