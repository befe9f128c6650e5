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
  AccountPushResult,
  AccountRef,
  Accounts,
  ListAccountsParams,
  MalformedAccount,
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
import { accountsOf, syncOf } from "./accounts.js"
import { truncate } from "./envelope.js"
import { describeParseError, toViolations } from "./parseError.js"

export const decodeAccount = <F extends Fields>(declaration: Declaration<F>) => {
  const decode = Schema.decodeUnknownEither(Schema.Struct({ customFields: declaration.schema }), { errors: "all" })
  return (account: Account): Either.Either<TypedAccount<F>, ParseResult.ParseError> =>
    Either.map(
      decode({ customFields: account.customFields ?? {} }),
      ({ customFields }) => ({ ...account, customFields })
    )
}

export const encodeAccountInput = <F extends Fields>(declaration: Declaration<F>) => {
  const encode = encodeValues(declaration)
  return (input: TypedAccountInput<F>): Either.Either<AccountInput, ParseResult.ParseError> => {
    if (typeof input !== "object" || input === null || input.customFields === undefined) {
      return Either.right(input as AccountInput)
    }
    return Either.map(encode(input.customFields), (customFields) => ({ ...input, customFields }))
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

/** A page with typed accounts: an account whose declared values do not decode moves to `malformed`, at its place. */
const typePage = <F extends Fields>(decode: ReturnType<typeof decodeAccount<F>>) => (page: Accounts) => {
  if (page.data.length === 0) return { ...page, data: [] } as TypedAccounts<F>
  const data: Array<TypedAccount<F>> = []
  const malformed: Array<MalformedAccount> = []
  const unreadable = new Set(page.malformed.map((record) => record.index))
  let position = 0
  for (const account of page.data) {
    while (unreadable.has(position)) position++
    const decoded = decode(account)
    if (Either.isRight(decoded)) data.push(decoded.right)
    else malformed.push({ index: position, raw: account, error: truncate(describeParseError(decoded.left)) })
    position++
  }
  return {
    ...page,
    data,
    malformed: malformed.length === 0 ?
      page.malformed :
      [...page.malformed, ...malformed].sort((a, b) => a.index - b.index)
  } as TypedAccounts<F>
}

const refPath = (ref: AccountRef): string => {
  const id: unknown = typeof ref !== "object" || ref === null
    ? undefined
    : "externalId" in ref
    ? ref.externalId
    : ref.rtpAid
  return `/accounts/${typeof id === "string" ? encodeURIComponent(id) : ""}`
}

export const makeTyped = <F extends Fields>(crm: RecotapCrmService, declaration: Declaration<F>): TypedCrm<F> => {
  const typePageOf = typePage<F>(decodeAccount(declaration))
  const encodeInput = encodeAccountInput(declaration)
  const encode = encodeValues(declaration)

  const list = (params?: ListAccountsParams) => Effect.map(crm.accounts.list(params), typePageOf)
  const pages = (params?: ListAccountsParams) => Stream.map(crm.accounts.pages(params), typePageOf)

  // The view has no base URL: a failing stream names the path.
  const stream = (params?: ListAccountsParams, options: StreamAccountsOptions = {}) =>
    accountsOf(pages(params), options, "/accounts")

  const sync = (params: SyncAccountsParams = {}): Stream.Stream<TypedSyncEvent<F>, ReadError> =>
    syncOf(pages, params, "/accounts")

  const push: TypedAccountsApi<F>["push"] = (accounts, options) =>
    Effect.suspend(() => {
      const items = Array.from(accounts)
      const sent: Array<{ readonly index: number; readonly input: TypedAccountInput<F> }> = []
      const encoded: Array<AccountInput> = []
      const outcomes: Array<BulkOutcome<TypedAccountInput<F>, AccountPushResult>> = []
      items.forEach((input, index) => {
        const result = encodeInput(input)
        if (Either.isRight(result)) {
          sent.push({ index, input })
          encoded.push(result.right)
        } else {
          outcomes.push({ _tag: "Invalid", index, input, error: describeParseError(result.left, 5) })
        }
      })
      const pushed: Effect.Effect<
        { readonly outcomes: ReadonlyArray<BulkOutcome<AccountInput, AccountPushResult>> },
        MissingApiKey | InvalidApiKey
      > = encoded.length === 0 ? Effect.succeed({ outcomes: [] }) : crm.accounts.push(encoded, options)
      return Effect.map(pushed, (result): BulkResult<TypedAccountInput<F>, AccountPushResult> => {
        for (const outcome of result.outcomes) {
          const origin = sent[outcome.index]!
          outcomes.push({ ...outcome, index: origin.index, input: origin.input } as BulkOutcome<
            TypedAccountInput<F>,
            AccountPushResult
          >)
        }
        outcomes.sort((a, b) => a.index - b.index)
        return { outcomes, summary: summarize(outcomes) }
      })
    })

  const update: TypedAccountsApi<F>["update"] = (ref, body) => {
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

  return {
    declaration,
    ensure: crm.customFields.ensure(declaration),
    accounts: { list, pages, stream, sync, push, update }
  }
}
