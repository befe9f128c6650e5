/**
 * The typed view of `CustomFieldSchema`: accounts read with their declared custom fields decoded,
 * and written with them encoded (see `src/CustomFieldSchema.ts`).
 */
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type {
  Account,
  AccountInput,
  AccountIssue,
  AccountPushResult,
  AccountRef,
  Accounts,
  ListAccountsParams,
  StreamAccountsOptions,
  SyncAccountsParams
} from "../Account.js"
import { type BulkOutcome, type BulkResult, summarize } from "../Bulk.js"
import type {
  Declaration,
  Fields,
  TypedAccount,
  TypedAccountInput,
  TypedAccounts,
  TypedAccountsApi,
  TypedCrm,
  TypedSyncEvent,
  WireValue
} from "../CustomFieldSchema.js"
import type { RecotapCrmService } from "../RecotapCrm.js"
import { BadRequest, type InvalidApiKey, type MissingApiKey, type ReadError } from "../RecotapError.js"
import { issueOf } from "./accountReader.js"
import { accountsOf, syncOf } from "./accounts.js"
import { Invalid, relocate } from "./outcome.js"
import { describeParseError, problemsByKey, toViolations } from "./parseError.js"

/**
 * An account with its declared custom fields decoded. A declared value that does not decode is
 * left out and reported in `issues` (`customFields.CONTRACT_VALUE_C`); the account is kept.
 */
export const decodeAccount = <F extends Fields>(declaration: Declaration<F>) => {
  const decode = Schema.decodeUnknownEither(declaration.schema, { errors: "all" })
  return (account: Account): TypedAccount<F> => {
    const values = account.customFields ?? {}
    let result = decode(values)
    if (Either.isRight(result)) return { ...account, customFields: result.right }
    // The values that do not decode are left out, one pass at a time, until the rest decodes.
    const issues: Array<AccountIssue> = [...(account.issues ?? [])]
    let kept: Readonly<Record<string, unknown>> = values
    while (Either.isLeft(result)) {
      const problems = problemsByKey(result.left)
      const failing = Object.keys(kept).filter((key) => problems.has(key))
      if (failing.length === 0) {
        // Not one value to blame (cannot happen for a declaration's struct): none is claimed.
        issues.push(issueOf("customFields", undefined, `${describeParseError(result.left)}; left out`))
        return { ...account, customFields: {}, issues }
      }
      for (const key of failing) {
        issues.push(issueOf(`customFields.${key}`, kept[key], `${problems.get(key)}; left out`))
      }
      kept = Object.fromEntries(Object.entries(kept).filter(([key]) => !problems.has(key)))
      result = decode(kept)
    }
    return { ...account, customFields: result.right, issues }
  }
}

export const encodeAccountInput = <F extends Fields>(declaration: Declaration<F>) => {
  const encode = encodeValues(declaration)
  return (input: TypedAccountInput<F>): Either.Either<AccountInput, ParseResult.ParseError> => {
    // Not an object (from untyped code): sent as is, for the push to find it `Invalid`.
    if (typeof input !== "object" || input === null) return Either.right(input)
    const { customFields: values, ...rest } = input
    if (values === undefined) return Either.right(rest)
    return Either.map(encode(values), (customFields) => ({ ...rest, customFields }))
  }
}

const encodeValues = <F extends Fields>(declaration: Declaration<F>) => {
  const encode = Schema.encodeUnknownEither(Schema.Struct({ customFields: declaration.inputSchema }), {
    errors: "all",
    onExcessProperty: "error"
  })
  return (values: unknown): Either.Either<Readonly<Record<string, WireValue>>, ParseResult.ParseError> =>
    Either.map(encode({ customFields: values }), (encoded) => encoded.customFields)
}

/** A page with typed accounts (the records that could not be read stay as they are). */
const typePage =
  <F extends Fields>(decode: ReturnType<typeof decodeAccount<F>>) => (page: Accounts): TypedAccounts<F> =>
    page.data.length === 0 ? { ...page, data: [] } : { ...page, data: page.data.map(decode) }

const refPath = (ref: AccountRef): string => {
  const id: unknown = typeof ref !== "object" || ref === null
    ? undefined
    : "externalId" in ref
    ? ref.externalId
    : ref.rtpAid
  return `/accounts/${typeof id === "string" ? encodeURIComponent(id) : ""}`
}

/**
 * `accounts.push` of the typed view: each input's custom fields encoded first; an input that does
 * not encode is `Invalid` (never sent), the others pushed, and every outcome answered at its
 * caller's index.
 */
const typedPush = <F extends Fields>(
  crm: RecotapCrmService,
  encodeInput: ReturnType<typeof encodeAccountInput<F>>
): TypedAccountsApi<F>["push"] =>
(accounts, options) =>
  Effect.suspend(() => {
    const sent: Array<{ readonly index: number; readonly input: TypedAccountInput<F> }> = []
    const encoded: Array<AccountInput> = []
    const outcomes: Array<BulkOutcome<TypedAccountInput<F>, AccountPushResult>> = []
    Array.from(accounts).forEach((input, index) => {
      const result = encodeInput(input)
      if (Either.isRight(result)) {
        sent.push({ index, input })
        encoded.push(result.right)
      } else {
        outcomes.push(Invalid({ index, input, error: describeParseError(result.left, 5) }))
      }
    })
    const pushed: Effect.Effect<
      { readonly outcomes: ReadonlyArray<BulkOutcome<AccountInput, AccountPushResult>> },
      MissingApiKey | InvalidApiKey
    > = encoded.length === 0 ? Effect.succeed({ outcomes: [] }) : crm.accounts.push(encoded, options)
    return Effect.map(pushed, (result): BulkResult<TypedAccountInput<F>, AccountPushResult> => {
      for (const outcome of result.outcomes) {
        const origin = sent[outcome.index]!
        outcomes.push(relocate(outcome, origin.index, origin.input))
      }
      outcomes.sort((a, b) => a.index - b.index)
      return { outcomes, summary: summarize(outcomes) }
    })
  })

/** `accounts.update` of the typed view: the custom fields encoded, or a `BadRequest` unsent. */
const typedUpdate = <F extends Fields>(
  crm: RecotapCrmService,
  encode: ReturnType<typeof encodeValues<F>>
): TypedAccountsApi<F>["update"] =>
(ref, body) => {
  const values = typeof body === "object" && body !== null ? body.customFields : body
  const encoded = encode(values)
  return Either.isRight(encoded)
    ? crm.accounts.update(ref, { customFields: encoded.right })
    : Effect.fail(
      new BadRequest({
        method: "PUT",
        url: refPath(ref),
        serverMessage: "Bad Request",
        origin: "client",
        violations: toViolations(encoded.left)
      })
    )
}

export const makeTyped = <F extends Fields>(crm: RecotapCrmService, declaration: Declaration<F>): TypedCrm<F> => {
  const typePageOf = typePage<F>(decodeAccount(declaration))
  const list = (params?: ListAccountsParams) => Effect.map(crm.accounts.list(params), typePageOf)
  const pages = (params?: ListAccountsParams) => Stream.map(crm.accounts.pages(params), typePageOf)
  // The view has no base URL: a failing stream names the path.
  const stream = (params?: ListAccountsParams, options: StreamAccountsOptions = {}) =>
    accountsOf(pages(params), options, "/accounts")
  const sync = (params: SyncAccountsParams = {}): Stream.Stream<TypedSyncEvent<F>, ReadError> =>
    syncOf(pages, params, "/accounts")
  return {
    declaration,
    ensure: crm.customFields.ensure(declaration),
    accounts: {
      list,
      pages,
      stream,
      sync,
      push: typedPush(crm, encodeAccountInput(declaration)),
      update: typedUpdate(crm, encodeValues(declaration))
    }
  }
}
