/** The `customFields` resource: list the active definitions, create one, ensure a declaration. */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import { CustomField, CustomFieldInput } from "../CustomField.js"
import type { FieldDefinition } from "../CustomFieldSchema.js"
import type { CustomFieldsApi } from "../RecotapCrm.js"
import { CustomFieldMismatch } from "../RecotapError.js"
import { endpoint } from "./endpoint.js"
import type { RequestPath } from "./requestPath.js"

const ListCustomFields = endpoint({
  operation: "customFields.list",
  method: "GET",
  path: "/accounts/custom-fields",
  response: Schema.Array(CustomField)
})

const isFieldList = (answer: ReadonlyArray<CustomField> | CustomField): answer is ReadonlyArray<CustomField> =>
  Array.isArray(answer)

/** The created field: documented as an array holding it; a bare object is accepted too. */
const CreatedField = Schema.transformOrFail(
  Schema.Union(Schema.Array(CustomField), CustomField),
  Schema.typeSchema(CustomField),
  {
    strict: true,
    decode: (answer, _, ast) => {
      const created = isFieldList(answer) ? answer[0] : answer
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

// ---------------------------------------------------------------------------- ensure

/** One declared field whose existing definition differs from its declaration. */
type FieldMismatch = CustomFieldMismatch["fields"][number]

/** What `customFields.ensure` did: the fields it created, and those that existed already, as declared. */
export interface EnsuredCustomFields {
  /** Created by this call, in declaration order. */
  readonly created: ReadonlyArray<CustomField>
  /** Found already defined as declared, in declaration order. */
  readonly existing: ReadonlyArray<CustomField>
}

const SELECTION_TYPES: ReadonlyArray<string> = ["singleSelection", "multiSelection"]

const sameOptions = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): boolean => {
  const left = new Set(a)
  const right = new Set(b)
  return left.size === right.size && [...left].every((option) => right.has(option))
}

/** Why an existing field does not match its declaration, or `undefined` when it does. */
const difference = (declared: FieldDefinition, existing: CustomField): string | undefined => {
  if (existing.labelType !== declared.labelType) {
    return `exists as ${existing.labelType}, declared ${declared.labelType}`
  }
  if (SELECTION_TYPES.includes(declared.labelType) && !sameOptions(declared.options, existing.options)) {
    return `has options ${JSON.stringify(existing.options)}, declared ${JSON.stringify(declared.options)}`
  }
  return undefined
}

const mismatch = (declared: FieldDefinition, existing: CustomField | undefined, reason: string): FieldMismatch => ({
  key: declared.key,
  declared: { labelType: declared.labelType, options: [...declared.options] },
  ...(existing === undefined ? {} : { existing: { labelType: existing.labelType, options: [...existing.options] } }),
  reason
})

const inputOf = (field: FieldDefinition): CustomFieldInput => ({
  label: field.label,
  labelType: field.labelType,
  ...(field.description === undefined ? {} : { description: field.description }),
  ...(SELECTION_TYPES.includes(field.labelType) ? { options: field.options } : {})
})

/**
 * Lists the active fields once; fails naming every declared field that exists with another
 * definition (creating nothing then); otherwise creates the missing ones, one after the other.
 * A create refused as a duplicate (someone created the field meanwhile) is checked like an
 * existing field against a fresh list.
 */
const makeEnsure = (api: Pick<CustomFieldsApi, "list" | "create">): CustomFieldsApi["ensure"] => (declaration) =>
  Effect.gen(function*() {
    const definitions: ReadonlyArray<FieldDefinition> = declaration.definitions
    const listed = new Map((yield* api.list()).map((field) => [field.key, field]))
    const differing = definitions.flatMap((declared) => {
      const existing = listed.get(declared.key)
      const reason = existing === undefined ? undefined : difference(declared, existing)
      return reason === undefined ? [] : [mismatch(declared, existing, reason)]
    })
    if (differing.length > 0) {
      return yield* Effect.fail(
        new CustomFieldMismatch({ fields: differing as [FieldMismatch, ...Array<FieldMismatch>] })
      )
    }
    const created: Array<CustomField> = []
    const existing: Array<CustomField> = []
    for (const declared of definitions) {
      const found = listed.get(declared.key)
      if (found !== undefined) {
        existing.push(found)
        continue
      }
      const made = yield* api.create(inputOf(declared)).pipe(
        Effect.map((field) => ({ created: true, field }) as const),
        Effect.catchTag("Conflict", () =>
          Effect.flatMap(api.list(), (fields) => {
            const now = fields.find((field) => field.key === declared.key)
            const reason = now === undefined
              ? "was refused as a duplicate (409), yet is not listed as active"
              : difference(declared, now)
            return reason === undefined && now !== undefined
              ? Effect.succeed({ created: false, field: now } as const)
              : Effect.fail(new CustomFieldMismatch({ fields: [mismatch(declared, now, reason ?? "")] }))
          }))
      )
      if (made.created) created.push(made.field)
      else existing.push(made.field)
    }
    return { created, existing } satisfies EnsuredCustomFields
  })

/** Builds the custom-fields resource over the request path. */
export const makeCustomFields = (requestPath: RequestPath): CustomFieldsApi => {
  const list: CustomFieldsApi["list"] = () => requestPath.execute(ListCustomFields, undefined)
  const create: CustomFieldsApi["create"] = (input) => requestPath.execute(CreateCustomField, input)
  return { list, create, ensure: makeEnsure({ list, create }) }
}
