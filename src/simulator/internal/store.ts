/** The simulator's in-memory state: every record, the keys it accepts, and its clock. */
import { customFieldKey } from "./customFieldKeys.js"

/** An account as the simulator stores it. */
export interface StoredAccount {
  readonly rtp_aid: string
  /** Change with `Store.setExternalId`, which keeps the index right. */
  readonly externalId: string | null
  name: string
  /** Change with `Store.setDomain`, which keeps the index right. */
  readonly domain: string
  shortName?: string
  linkedinUrl?: string
  tags: ReadonlyArray<string>
  customFields: Record<string, unknown>
  rtp_account_score: number
  rtp_journey_stage: string
  rtp_advertising_activity_score: number
  rtp_website_intent_score: number
  rtp_g2_intent_score: number
  rtp_bombora_intent_score: number
  rtp_last_account_date: string
  /** Last change of any kind, in epoch millis: what `lastSync` filters on. */
  updatedAt: number
}

/** The `rtp_*` fields Recotap computes. */
export type Scores = Partial<
  Pick<
    StoredAccount,
    | "rtp_account_score"
    | "rtp_journey_stage"
    | "rtp_advertising_activity_score"
    | "rtp_website_intent_score"
    | "rtp_g2_intent_score"
    | "rtp_bombora_intent_score"
  >
>

/** A segment; only static active/draft ones are listed and accept members. */
export interface StoredSegment {
  readonly segmentId: string
  name: string
  type: "static" | "dynamic"
  status: "active" | "draft" | "archived"
  /** `rtp_aid`s of the members, in the order they were added. */
  readonly members: Array<string>
}

/** The six custom-field types. */
export const LABEL_TYPES = [
  "singleLineText",
  "multiLineText",
  "singleSelection",
  "multiSelection",
  "number",
  "date"
] as const

/** A custom-field definition. */
export interface StoredCustomField {
  readonly key: string
  label: string
  labelType: (typeof LABEL_TYPES)[number]
  description: string | null
  options: ReadonlyArray<string>
  readonly objectType: "accounts"
  status: "active" | "inactive"
}

/** A pipeline with its stages. */
export interface StoredPipeline {
  readonly pipelineId: string
  readonly pipelineLabel: string
  readonly stages: ReadonlyArray<{ readonly stageId: string; readonly stageLabel: string }>
}

/** A deal or a sales activity: the pushed object as received, plus when it was stored. */
export interface StoredRecord {
  readonly fields: Readonly<Record<string, unknown>>
  readonly storedAt: string
}

/** Which revision of the docs the simulator follows (see the API reference, §0). */
export type Revision = "crm" | "external"

/** How the simulator tells time. */
export type ClockMode = "virtual" | "system"

/** The state of one simulator. */
export class Store {
  /** Accounts by `rtp_aid`, in creation order (which is keyset order: IDs increase). */
  readonly accounts = new Map<string, StoredAccount>()
  private readonly byDomain = new Map<string, StoredAccount>()
  private readonly byExternalId = new Map<string, StoredAccount>()
  readonly segments = new Map<string, StoredSegment>()
  readonly customFields = new Map<string, StoredCustomField>()
  readonly pipelines = new Map<string, StoredPipeline>()
  readonly deals = new Map<string, StoredRecord>()
  readonly activities = new Map<string, StoredRecord>()
  readonly keys = new Set<string>()
  journeyStages: ReadonlyArray<string> = ["Unaware", "Aware", "Consideration", "Opportunity", "Customer"]
  private time: number
  private accountSequence = 0

  constructor(readonly revision: Revision, readonly clock: ClockMode, start: number) {
    this.time = start
  }

  /**
   * Current time in millis. Every call moves it forward by at least 1 ms, so that two events
   * never share an instant: a record written after a sync is strictly newer than its checkpoint.
   */
  tick(): number {
    this.time = this.clock === "system" ? Math.max(this.time + 1, Date.now()) : this.time + 1
    return this.time
  }

  /** Current time in millis, without moving it. */
  peek(): number {
    return this.time
  }

  /** Moves the virtual clock forward. */
  advance(millis: number): void {
    this.time += millis
  }

  /** A new Recotap account ID: 24 hex characters, increasing, so that keyset order is creation order. */
  nextAccountId(): string {
    this.accountSequence += 1
    return `6a21b8855a81${this.accountSequence.toString(16).padStart(12, "0")}`
  }

  /** Accounts in keyset order: creation order, since IDs increase. */
  sortedAccounts(): ReadonlyArray<StoredAccount> {
    return [...this.accounts.values()]
  }

  findByDomain(domain: string): StoredAccount | undefined {
    return this.byDomain.get(domain)
  }

  findByExternalId(externalId: string): StoredAccount | undefined {
    return this.byExternalId.get(externalId)
  }

  setDomain(account: StoredAccount, domain: string): void {
    if (this.byDomain.get(account.domain) === account) this.byDomain.delete(account.domain)
    ;(account as { domain: string }).domain = domain
    this.byDomain.set(domain, account)
  }

  setExternalId(account: StoredAccount, externalId: string | null): void {
    if (account.externalId !== null && this.byExternalId.get(account.externalId) === account) {
      this.byExternalId.delete(account.externalId)
    }
    ;(account as { externalId: string | null }).externalId = externalId
    if (externalId !== null) this.byExternalId.set(externalId, account)
  }

  /** Active custom-field keys. */
  activeFieldKeys(): ReadonlySet<string> {
    return new Set([...this.customFields.values()].filter((f) => f.status === "active").map((f) => f.key))
  }

  /** Creates an account with every score at its default (0, and `""` for the stage). */
  createAccount(fields: {
    readonly externalId: string | null
    readonly name: string
    readonly domain: string
    readonly shortName?: string | undefined
    readonly linkedinUrl?: string | undefined
    readonly tags?: ReadonlyArray<string> | undefined
    readonly customFields?: Readonly<Record<string, unknown>> | undefined
  }): StoredAccount {
    const now = this.tick()
    const account: StoredAccount = {
      rtp_aid: this.nextAccountId(),
      externalId: fields.externalId,
      name: fields.name,
      domain: fields.domain,
      ...(fields.shortName === undefined ? {} : { shortName: fields.shortName }),
      ...(fields.linkedinUrl === undefined ? {} : { linkedinUrl: fields.linkedinUrl }),
      tags: fields.tags ?? [],
      customFields: { ...fields.customFields },
      rtp_account_score: 0,
      rtp_journey_stage: "",
      rtp_advertising_activity_score: 0,
      rtp_website_intent_score: 0,
      rtp_g2_intent_score: 0,
      rtp_bombora_intent_score: 0,
      rtp_last_account_date: new Date(now).toISOString(),
      updatedAt: now
    }
    this.accounts.set(account.rtp_aid, account)
    this.byDomain.set(account.domain, account)
    if (account.externalId !== null) this.byExternalId.set(account.externalId, account)
    return account
  }

  /** Stores a custom-field definition under the key derived from its label (replacing any with that key). */
  defineCustomField(fields: {
    readonly label: string
    readonly labelType: StoredCustomField["labelType"]
    readonly description?: string | null | undefined
    readonly options?: ReadonlyArray<string> | undefined
    readonly status?: StoredCustomField["status"] | undefined
  }): StoredCustomField {
    const field: StoredCustomField = {
      key: customFieldKey(fields.label),
      label: fields.label,
      labelType: fields.labelType,
      description: fields.description ?? null,
      options: [...(fields.options ?? [])],
      objectType: "accounts",
      status: fields.status ?? "active"
    }
    this.customFields.set(field.key, field)
    return field
  }

  /** Marks an account changed now. */
  touch(account: StoredAccount): void {
    account.updatedAt = this.tick()
  }
}
