/**
 * Typed custom fields: declare your workspace's account custom fields once, as schemas, and get
 * accounts whose `customFields` are typed and checked both ways.
 *
 * - `CustomFieldSchema.declare({ CONTRACT_VALUE_C: CustomFieldSchema.number(), ... })` declares
 *   fields by their Recotap key; `CustomFieldSchema.declareByLabel({ "Contract Value": ... })` by
 *   label, the key derived as Recotap derives it (`customFieldKey`), in the types too.
 * - `crm.customFields.ensure(declaration)` creates the missing fields with their `labelType` (and
 *   `options`), accepts those that exist as declared, and fails with {@link CustomFieldMismatch}
 *   naming each one that exists with another definition.
 * - `CustomFieldSchema.typed(declaration)` is a view of `RecotapCrm` whose accounts carry typed
 *   `customFields`, decoded by the declared schemas (a value that does not decode is left out and
 *   reported in the account's `issues`, as `customFields.<KEY>`: the account is kept), and whose
 *   `push` and `update` take typed values, encoded by the schemas (a wrong value is `Invalid`, or
 *   a client `BadRequest`: not sent).
 *
 * The untyped API (`crm.accounts`, `Record<string, unknown>` values) stays as it is.
 *
 * @example
 * ```ts
 * import { Effect } from "effect"
 * import * as CustomFieldSchema from "effect-recotap/CustomFieldSchema"
 * import { RecotapSimulator } from "effect-recotap/simulator"
 *
 * const Fields = CustomFieldSchema.declare({
 *   CONTRACT_VALUE_C: CustomFieldSchema.number({ label: "Contract Value" }),
 *   DEAL_SOURCE_C: CustomFieldSchema.singleSelection(["Inbound", "Outbound"])
 * })
 *
 * const program = Effect.gen(function*() {
 *   const crm = yield* CustomFieldSchema.typed(Fields)
 *   yield* crm.ensure
 *   yield* crm.accounts.push([
 *     { externalId: "crm-1", name: "Acme", domain: "acme.com", customFields: { CONTRACT_VALUE_C: 125000 } }
 *   ])
 *   const page = yield* crm.accounts.list()
 *   return page.data[0]?.customFields.CONTRACT_VALUE_C // 125000, a number
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(RecotapSimulator.layerCrm()))).then(console.log)
 * ```
 *
 * @since 0.1.0
 */
// Over 400 lines: it is the declaration API, mostly signatures and their TSDoc with examples;
// ensuring fields and typed accounts are in `internal/customFields.ts` and `internal/typedAccounts.ts`.
import type * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import type {
  Account,
  AccountInput,
  AccountPushResult,
  AccountRef,
  Accounts,
  AccountSyncEvent,
  ListAccountsParams,
  PushAccountsOptions,
  StreamAccountsOptions,
  SyncAccountsParams
} from "./Account.js"
import type { BulkResult } from "./Bulk.js"
import { customFieldKey, type LabelType } from "./CustomField.js"
import type * as internal from "./internal/customFields.js"
import * as typedAccounts from "./internal/typedAccounts.js"
import { DateTimeUtcFromWire, FiniteNumberFromWire } from "./internal/wireValues.js"
import { RecotapCrm } from "./RecotapCrm.js"
import type {
  BadRequest,
  CustomFieldMismatch,
  InvalidApiKey,
  MissingApiKey,
  NotFound,
  ReadError
} from "./RecotapError.js"

// ---------------------------------------------------------------------------- fields

/**
 * What a custom-field value is on the wire: text, a number, a boolean, a list or `null`.
 *
 * @since 0.1.0
 * @category models
 */
export type WireValue = string | number | boolean | null | ReadonlyArray<string | number>

/**
 * What every field constructor takes: the label to create the field with, and its description.
 * Without a label, `declare` derives one from the key (`CONTRACT_VALUE_C` → `Contract Value`).
 *
 * @since 0.1.0
 * @category models
 */
export interface FieldSettings {
  /** The label to create the field with; its derived key must be the declared key. */
  readonly label?: string | undefined
  /** The description to create the field with. */
  readonly description?: string | undefined
}

/**
 * One declared field: the schema of its value (`A` in your code, `I` on the wire) and what
 * Recotap needs to create it.
 *
 * @since 0.1.0
 * @category models
 */
export interface Field<A, I extends WireValue = WireValue> {
  readonly labelType: LabelType
  /** The choices of a selection field; `[]` for the other types. */
  readonly options: ReadonlyArray<string>
  readonly label: string | undefined
  readonly description: string | undefined
  readonly schema: Schema.Schema<A, I>
}

/**
 * @since 0.1.0
 * @category models
 */
export declare namespace Field {
  /**
   * Any field.
   *
   * @since 0.1.0
   * @category models
   */
  export type Any = Field<any, any>
  /**
   * The value type of a field.
   *
   * @since 0.1.0
   * @category models
   */
  export type Type<F> = F extends Field<infer A, any> ? A : never
}

const makeField = <A, I extends WireValue>(
  labelType: LabelType,
  schema: Schema.Schema<A, I>,
  settings: FieldSettings = {},
  options: ReadonlyArray<string> = []
): Field<A, I> => ({ labelType, options, label: settings.label, description: settings.description, schema })

/**
 * A `singleLineText` field: a string.
 *
 * @since 0.1.0
 * @category fields
 */
export const text = (settings?: FieldSettings): Field<string, string> =>
  makeField("singleLineText", Schema.String, settings)

/**
 * A `multiLineText` field: a string.
 *
 * @since 0.1.0
 * @category fields
 */
export const multiLineText = (settings?: FieldSettings): Field<string, string> =>
  makeField("multiLineText", Schema.String, settings)

/**
 * A `number` field: a finite number. Read from a number or from numeric text (`"125000"`,
 * `" 12.5 "`); always sent as a number.
 *
 * @since 0.1.0
 * @category fields
 */
export const number = (settings?: FieldSettings): Field<number, number | string> =>
  makeField("number", FiniteNumberFromWire, settings)

/**
 * A `date` field: a `DateTime.Utc` in your code. Read from ISO 8601 text (a date-time, or a date
 * alone: `2026-09-30`) or from epoch milliseconds (a number or integer text, at least 1e11 in
 * magnitude: smaller numbers could as well be seconds); always sent as ISO 8601 text
 * (`2026-09-30T00:00:00.000Z`).
 *
 * @since 0.1.0
 * @category fields
 */
export const date = (settings?: FieldSettings): Field<DateTime.Utc, string | number> =>
  makeField("date", DateTimeUtcFromWire, settings)

const checkOptions = (labelType: LabelType, options: ReadonlyArray<string>) => {
  if (options.length === 0 || options.some((option) => option.trim() === "")) {
    throw new TypeError(`CustomFieldSchema.${labelType}: give at least one option, none blank`)
  }
}

/**
 * A `singleSelection` field: one of its options, exactly as written.
 *
 * @example
 * ```ts
 * import * as CustomFieldSchema from "effect-recotap/CustomFieldSchema"
 *
 * CustomFieldSchema.singleSelection(["Inbound", "Outbound"], { label: "Deal Source" })
 * ```
 *
 * @since 0.1.0
 * @category fields
 */
export const singleSelection = <const O extends readonly [string, ...Array<string>]>(
  options: O,
  settings?: FieldSettings
): Field<O[number], O[number]> => {
  checkOptions("singleSelection", options)
  return makeField("singleSelection", Schema.Literal(...options), settings, options)
}

/**
 * A `multiSelection` field: a list of its options.
 *
 * @since 0.1.0
 * @category fields
 */
export const multiSelection = <const O extends readonly [string, ...Array<string>]>(
  options: O,
  settings?: FieldSettings
): Field<ReadonlyArray<O[number]>, ReadonlyArray<O[number]>> => {
  checkOptions("multiSelection", options)
  return makeField("multiSelection", Schema.Array(Schema.Literal(...options)), settings, options)
}

/**
 * A field of any type with a schema of your own, e.g. whole numbers:
 * `CustomFieldSchema.field("number", Schema.Int)`. Its encoded side must be a wire value.
 *
 * @since 0.1.0
 * @category fields
 */
export const field = <A, I extends WireValue>(
  labelType: LabelType,
  schema: Schema.Schema<A, I>,
  settings: FieldSettings & { readonly options?: ReadonlyArray<string> } = {}
): Field<A, I> => {
  const options = settings.options ?? []
  if (labelType === "singleSelection" || labelType === "multiSelection") checkOptions(labelType, options)
  else if (options.length > 0) throw new TypeError(`CustomFieldSchema.field: options are only for selection fields`)
  return makeField(labelType, schema, settings, options)
}

// ---------------------------------------------------------------------------- declarations

/**
 * Declared fields by Recotap key.
 *
 * @since 0.1.0
 * @category models
 */
export type Fields = { readonly [key: string]: Field.Any }

/**
 * What `customFields.ensure` needs of a field: its key and how to create it.
 *
 * @since 0.1.0
 * @category models
 */
export interface FieldDefinition {
  readonly key: string
  readonly label: string
  readonly labelType: LabelType
  readonly options: ReadonlyArray<string>
  readonly description: string | undefined
}

/**
 * Any declaration, as `customFields.ensure` takes it.
 *
 * @since 0.1.0
 * @category models
 */
export interface AnyDeclaration {
  /** Each declared field's definition, in declaration order. */
  readonly definitions: ReadonlyArray<FieldDefinition>
}

/**
 * Values of declared fields as read: each optional (a missing or `null` value is absent).
 *
 * @since 0.1.0
 * @category models
 */
export type Values<F extends Fields> = { readonly [K in keyof F]?: Field.Type<F[K]> }

/**
 * Values of declared fields to write: each optional; `null` clears a value.
 *
 * @since 0.1.0
 * @category models
 */
export type ValuesInput<F extends Fields> = { readonly [K in keyof F]?: Field.Type<F[K]> | null }

/**
 * A workspace's custom fields, declared once: see {@link declare} and {@link declareByLabel}.
 *
 * @since 0.1.0
 * @category models
 */
export interface Declaration<F extends Fields> extends AnyDeclaration {
  /** The declared fields, by Recotap key. */
  readonly fields: F
  /** Reads `customFields`: each declared key decoded by its schema; `null` is absent, other keys are dropped. */
  readonly schema: Schema.Schema<Values<F>, Readonly<Record<string, unknown>>>
  /** Writes `customFields`: each declared key encoded by its schema, or `null`; any other key is refused. */
  readonly inputSchema: Schema.Schema<ValuesInput<F>, Readonly<Record<string, WireValue>>>
}

/** `Contract Value` from `CONTRACT_VALUE_C`: a label whose derived key is that key again. */
const labelOfKey = (key: string): string =>
  key.slice(0, -2).split("_").map((word) => word.charAt(0) + word.slice(1).toLowerCase()).join(" ")

/** A declared field: its key, its label, and the field. */
type Entry = readonly [key: string, label: string, field: Field.Any]

/**
 * The declaration of checked entries: the structs of the fields' schemas, keyed as declared. The
 * body is typed over any `Fields`; its signature gives it the `F` that `declare` and
 * `declareByLabel` build the entries from.
 */
function build<F extends Fields>(entries: ReadonlyArray<Entry>): Declaration<F>
function build(entries: ReadonlyArray<Entry>): Declaration<Fields> {
  const fields: Record<string, Field.Any> = {}
  const definitions: Array<FieldDefinition> = []
  const read: Record<string, Schema.optionalWith<Field.Any["schema"], { exact: true; nullable: true }>> = {}
  const write: Record<string, Schema.optionalWith<Schema.NullOr<Field.Any["schema"]>, { exact: true }>> = {}
  for (const [key, label, declared] of entries) {
    if (key in fields) throw new TypeError(`CustomFieldSchema: two fields have the key ${key}`)
    if (customFieldKey(label) !== key) {
      throw new TypeError(
        `CustomFieldSchema: the label ${JSON.stringify(label)} derives the key ${customFieldKey(label)}, not ${key}`
      )
    }
    fields[key] = declared
    definitions.push({
      key,
      label,
      labelType: declared.labelType,
      options: declared.options,
      description: declared.description
    })
    read[key] = Schema.optionalWith(declared.schema, { exact: true, nullable: true })
    write[key] = Schema.optionalWith(Schema.NullOr(declared.schema), { exact: true })
  }
  return { fields, definitions, schema: Schema.Struct(read), inputSchema: Schema.Struct(write) }
}

/**
 * Declares custom fields by their Recotap key. A field's `label` (used by `ensure` to create it)
 * must derive that key; without one, a label is derived from the key (`CONTRACT_VALUE_C` →
 * `Contract Value`). Throws for a key no label derives (not upper case, no `_C`).
 *
 * @example
 * ```ts
 * import * as CustomFieldSchema from "effect-recotap/CustomFieldSchema"
 *
 * export const Fields = CustomFieldSchema.declare({
 *   CONTRACT_VALUE_C: CustomFieldSchema.number({ description: "ARR in USD" }),
 *   DEAL_SOURCE_C: CustomFieldSchema.singleSelection(["Inbound", "Outbound"]),
 *   RENEWAL_DATE_C: CustomFieldSchema.date(),
 *   "REVENUE_(USD)_C": CustomFieldSchema.number({ label: "Revenue (USD)" })
 * })
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const declare = <const F extends Fields>(fields: F): Declaration<F> =>
  build(
    Object.entries(fields).map(([key, declared]) => [key, declared.label ?? labelOfKey(key), declared] as const)
  )

type SpacesToUnderscores<S extends string> = S extends `${infer Head} ${infer Tail}`
  ? `${Head}_${SpacesToUnderscores<Tail>}`
  : S

/**
 * The key Recotap derives from a label, as a type: `KeyOf<"Contract Value">` is `"CONTRACT_VALUE_C"`.
 *
 * @since 0.1.0
 * @category models
 */
export type KeyOf<Label extends string> = `${Uppercase<SpacesToUnderscores<Label>>}_C`

/**
 * Declares custom fields by label; each key is derived as Recotap derives it (`customFieldKey`),
 * in the types too: `customFields` of typed accounts are keyed by `CONTRACT_VALUE_C`, not by
 * label. Throws when two labels derive the same key.
 *
 * @example
 * ```ts
 * import * as CustomFieldSchema from "effect-recotap/CustomFieldSchema"
 *
 * export const Fields = CustomFieldSchema.declareByLabel({
 *   "Contract Value": CustomFieldSchema.number(),
 *   "Deal Source": CustomFieldSchema.singleSelection(["Inbound", "Outbound"])
 * })
 * // Fields.fields.CONTRACT_VALUE_C, Fields.fields.DEAL_SOURCE_C
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const declareByLabel = <const F extends Fields>(
  fields: F
): Declaration<{ readonly [L in keyof F & string as KeyOf<L>]: F[L] }> =>
  build(
    Object.entries(fields).map(([label, declared]) => {
      if (declared.label !== undefined && declared.label !== label) {
        throw new TypeError(`CustomFieldSchema.declareByLabel: "${label}" is declared with another label`)
      }
      return [customFieldKey(label), label, declared] as const
    })
  )

// ---------------------------------------------------------------------------- ensure

export {
  /**
   * Declared custom fields that exist in Recotap with another definition (defined with the other
   * errors in `RecotapError`; also exported here, where `ensure` is declared).
   *
   * @since 0.1.0
   * @category errors
   */
  CustomFieldMismatch
} from "./RecotapError.js"

/**
 * What `customFields.ensure` did: the fields it `created`, and those `existing` already as declared.
 *
 * @since 0.1.0
 * @category models
 */
export type EnsuredCustomFields = internal.EnsuredCustomFields

// ---------------------------------------------------------------------------- typed accounts

/**
 * An account whose `customFields` hold the declared fields, decoded (always present: `{}` when
 * Recotap sent none; keys not declared are left out). A declared value that does not decode is
 * left out too, and reported in `issues` (`field: "customFields.<KEY>"`, the value as received).
 *
 * @since 0.1.0
 * @category models
 */
export type TypedAccount<F extends Fields> = Omit<Account, "customFields"> & { readonly customFields: Values<F> }

/**
 * One page of accounts with typed `customFields`; `malformed` holds the records that could not be
 * read at all (as received), as in the untyped page.
 *
 * @since 0.1.0
 * @category models
 */
export type TypedAccounts<F extends Fields> = Omit<Accounts, "data"> & {
  readonly data: ReadonlyArray<TypedAccount<F>>
}

/**
 * A step of a typed delta sync (see `accounts.sync`).
 *
 * @since 0.1.0
 * @category models
 */
export type TypedSyncEvent<F extends Fields> = AccountSyncEvent<TypedAccount<F>>

/**
 * An account to push, with typed custom-field values.
 *
 * @since 0.1.0
 * @category models
 */
export type TypedAccountInput<F extends Fields> = Omit<AccountInput, "customFields"> & {
  readonly customFields?: ValuesInput<F>
}

/**
 * The body of a typed `accounts.update`: typed values to merge (`null` clears one).
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedAccountUpdate<F extends Fields> {
  readonly customFields: ValuesInput<F>
}

/**
 * The accounts of a typed view: as `crm.accounts`, with typed `customFields`.
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedAccountsApi<F extends Fields> {
  /** One page; a declared value that does not decode is left out of its account and reported in its `issues`. */
  readonly list: (params?: ListAccountsParams) => Effect.Effect<TypedAccounts<F>, ReadError>
  /** Every page from `params.cursor` (or the first) on, typed as `list`. */
  readonly pages: (params?: ListAccountsParams) => Stream.Stream<TypedAccounts<F>, ReadError>
  /**
   * Every account; one that cannot be read (see `MalformedAccount`) is skipped with a warning (the
   * default) or fails the stream with a `Decode` `TransportError` (`onMalformed: "fail"`).
   */
  readonly stream: (
    params?: ListAccountsParams,
    options?: StreamAccountsOptions
  ) => Stream.Stream<TypedAccount<F>, ReadError>
  /** A delta sync: `Changed` (typed), `Malformed` (a record that cannot be read), `Completed`. */
  readonly sync: (params?: SyncAccountsParams) => Stream.Stream<TypedSyncEvent<F>, ReadError>
  /**
   * Pushes accounts with typed values, encoded by the declared schemas. An account whose values
   * do not encode (a wrong type, an undeclared key) is `Invalid` and not sent.
   */
  readonly push: (
    accounts: Iterable<TypedAccountInput<F>>,
    options?: PushAccountsOptions
  ) => Effect.Effect<BulkResult<TypedAccountInput<F>, AccountPushResult>, MissingApiKey | InvalidApiKey>
  /** Merges typed values into one account; values that do not encode are a client `BadRequest`, not sent. */
  readonly update: (
    ref: AccountRef,
    update: TypedAccountUpdate<F>
  ) => Effect.Effect<void, ReadError | BadRequest | NotFound>
}

/**
 * `RecotapCrm` seen through a declaration: see {@link typed}.
 *
 * @since 0.1.0
 * @category models
 */
export interface TypedCrm<F extends Fields> {
  readonly declaration: Declaration<F>
  /** `crm.customFields.ensure(declaration)`. */
  readonly ensure: Effect.Effect<EnsuredCustomFields, ReadError | BadRequest | CustomFieldMismatch>
  readonly accounts: TypedAccountsApi<F>
}

/**
 * Reads an account's declared custom fields with their schemas: the account with typed
 * `customFields`. A declared value that does not decode is left out and reported in the
 * account's `issues` (`field: "customFields.CONTRACT_VALUE_C"`), after the issues it had. For
 * accounts from the untyped API, e.g. in an `AccountSyncJob` handler.
 *
 * @example
 * ```ts
 * import * as CustomFieldSchema from "effect-recotap/CustomFieldSchema"
 *
 * const Fields = CustomFieldSchema.declare({ CONTRACT_VALUE_C: CustomFieldSchema.number() })
 * const decode = CustomFieldSchema.decodeAccount(Fields)
 *
 * const account = {
 *   name: "Acme", domain: "acme.com", rtp_aid: "a1", rtp_account_score: 0, rtp_journey_stage: "",
 *   rtp_advertising_activity_score: 0, rtp_website_intent_score: 0, rtp_g2_intent_score: 0,
 *   rtp_bombora_intent_score: 0, customFields: { CONTRACT_VALUE_C: 125000 }
 * }
 * decode(account).customFields.CONTRACT_VALUE_C // 125000
 * decode({ ...account, customFields: { CONTRACT_VALUE_C: "n/a" } }).issues
 * // [{ field: "customFields.CONTRACT_VALUE_C", received: "\"n/a\"", note: "Expected number | a numeric string | null, actual \"n/a\"; left out" }]
 * ```
 *
 * @since 0.1.0
 * @category decoding
 */
export const decodeAccount: typeof typedAccounts.decodeAccount = typedAccounts.decodeAccount

/**
 * Writes an account's typed custom-field values with their schemas: the account to push with
 * the untyped API (e.g. `BulkSettle.settleAccountPush`), or why a value does not encode.
 *
 * @since 0.1.0
 * @category encoding
 */
export const encodeAccountInput: typeof typedAccounts.encodeAccountInput = typedAccounts.encodeAccountInput

/**
 * The typed view over a `RecotapCrmService` (what {@link typed} builds from the one in context).
 *
 * @since 0.1.0
 * @category constructors
 */
export const makeTyped: typeof typedAccounts.makeTyped = typedAccounts.makeTyped

/**
 * The `RecotapCrm` in context, seen through a declaration: accounts read with typed
 * `customFields` and written with typed values (see the module's description), and `ensure`.
 *
 * @example
 * ```ts
 * import { Effect, Stream } from "effect"
 * import * as CustomFieldSchema from "effect-recotap/CustomFieldSchema"
 * import { RecotapSimulator } from "effect-recotap/simulator"
 *
 * const Fields = CustomFieldSchema.declare({
 *   CONTRACT_VALUE_C: CustomFieldSchema.number(),
 *   RENEWAL_DATE_C: CustomFieldSchema.date()
 * })
 *
 * const program = Effect.gen(function*() {
 *   const crm = yield* CustomFieldSchema.typed(Fields)
 *   yield* crm.ensure
 *   yield* crm.accounts.update({ externalId: "crm-1" }, { customFields: { CONTRACT_VALUE_C: 99000 } }).pipe(
 *     Effect.catchTag("NotFound", () => Effect.log("crm-1 was never pushed"))
 *   )
 *   yield* crm.accounts.sync().pipe(
 *     Stream.runForEach((event) =>
 *       event._tag === "Changed"
 *         ? Effect.log(event.account.domain, event.account.customFields.RENEWAL_DATE_C)
 *         : Effect.void
 *     )
 *   )
 * })
 *
 * Effect.runPromise(program.pipe(Effect.provide(RecotapSimulator.layerCrm())))
 * ```
 *
 * @since 0.1.0
 * @category constructors
 */
export const typed = <F extends Fields>(declaration: Declaration<F>): Effect.Effect<TypedCrm<F>, never, RecotapCrm> =>
  Effect.map(RecotapCrm, (crm) => makeTyped(crm, declaration))
