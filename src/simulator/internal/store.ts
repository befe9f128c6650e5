/** The simulator's in-memory state: every record, the keys it accepts, its clock, and what `GET /accounts` sees. */
import { customFieldKey } from "./customFieldKeys.js"
import type { Rules } from "./profile.js"

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
  /** Last change of any kind, in epoch millis (as the service records it): what `lastSync` filters on. */
  updatedAt: number
}

/**
 * One state of an account as `GET /accounts` will show it, from `visibleAt` on; `undefined`:
 * the account is not listed yet.
 */
interface Version {
  readonly visibleAt: number
  readonly account: StoredAccount | undefined
}

const snapshot = (account: StoredAccount): StoredAccount => ({
  ...account,
  tags: [...account.tags],
  customFields: { ...account.customFields }
})

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
  /** How long an account write takes to show in `GET /accounts`. */
  readLagMillis: number
  /**
   * Set by the first request: writes made before it (the workspace as a test seeds it) show at
   * once, later ones only after the read lag.
   */
  serving = false
  private time: number
  private accountSequence = 0
  /**
   * The states `GET /accounts` shows of accounts with a write not yet shown everywhere, oldest
   * first: the first is the one shown before those writes. An account without an entry is shown
   * as it is.
   */
  private readonly pending = new Map<string, Array<Version>>()

  constructor(
    readonly revision: Revision,
    readonly clock: ClockMode,
    start: number,
    readonly rules: Rules,
    readLagMillis: number
  ) {
    this.time = start
    this.readLagMillis = readLagMillis
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

  /** The instant the service records for `millis`: to the whole second when the profile says so. */
  recorded(millis: number): number {
    return this.rules.wholeSeconds ? Math.floor(millis / 1000) * 1000 : millis
  }

  /** A recorded instant as `rtp_last_account_date` text: without milliseconds when the profile records whole seconds. */
  dateText(millis: number): string {
    const text = new Date(millis).toISOString()
    return this.rules.wholeSeconds ? text.replace(/\.\d{3}Z$/, "Z") : text
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
    readonly scores?: Scores | undefined
  }): StoredAccount {
    const now = this.tick()
    const at = this.recorded(now)
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
      ...fields.scores,
      rtp_last_account_date: this.dateText(at),
      updatedAt: at
    }
    this.accounts.set(account.rtp_aid, account)
    this.byDomain.set(account.domain, account)
    if (account.externalId !== null) this.byExternalId.set(account.externalId, account)
    this.publish(account, now, undefined)
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

  /**
   * Changes an account now: `change` gets the account and the instant recorded for the change,
   * which becomes its `updatedAt`. Every change of a stored account goes through here, so that
   * `GET /accounts` can keep showing the previous state until the read lag has passed.
   */
  update(account: StoredAccount, change: (account: StoredAccount, at: number) => void): void {
    const now = this.tick()
    // Shown as it is (nothing pending): that state stays shown until the lag has passed.
    const before = this.visible(account, now) === account && this.lagging() ? snapshot(account) : undefined
    const at = this.recorded(now)
    change(account, at)
    account.updatedAt = at
    this.publish(account, now, before)
  }

  /** The accounts as `GET /accounts` shows them now, in keyset order. */
  listed(): ReadonlyArray<StoredAccount> {
    const now = this.peek()
    const shown: Array<StoredAccount> = []
    for (const account of this.accounts.values()) {
      const version = this.visible(account, now)
      if (version !== undefined) shown.push(version)
    }
    return shown
  }

  private lagging(): boolean {
    return this.serving && this.readLagMillis > 0
  }

  /**
   * Records the state `account` has just reached at `now`, shown from the read lag after `now`.
   * `shownBefore` is what `GET /accounts` showed of it until then (`undefined`: a new account,
   * not listed); it is kept only when nothing of the account was pending.
   */
  private publish(account: StoredAccount, now: number, shownBefore: StoredAccount | undefined): void {
    const lag = this.lagging() ? this.readLagMillis : 0
    let versions = this.pending.get(account.rtp_aid)
    if (versions === undefined) {
      // Nothing pending and no lag: the account is shown as it is.
      if (lag === 0) return
      versions = [{ visibleAt: Number.NEGATIVE_INFINITY, account: shownBefore }]
      this.pending.set(account.rtp_aid, versions)
    }
    versions.push({ visibleAt: now + lag, account: snapshot(account) })
  }

  /**
   * What `GET /accounts` shows of `account` at `now`: the newest state written whose time has come.
   * States older than it are dropped; once the newest written state shows, the account is shown as it is.
   */
  private visible(account: StoredAccount, now: number): StoredAccount | undefined {
    const versions = this.pending.get(account.rtp_aid)
    if (versions === undefined) return account
    let shown = versions.length - 1
    while (shown > 0 && versions[shown]!.visibleAt > now) shown -= 1
    if (shown === versions.length - 1) {
      this.pending.delete(account.rtp_aid)
      return account
    }
    versions.splice(0, shown)
    return versions[0]!.account
  }
}
