/**
 * A small sample workspace: accounts, a segment and custom fields, with the scores Recotap
 * would compute later. Used by the demo and by `effect-recotap-simulator --demo`.
 *
 * @since 0.1.0
 */
import type { Scores, SeedAccount, SeedCustomField, SeedSegment } from "./Simulator.js"

/**
 * Sample accounts as a CRM would push them.
 *
 * @since 0.1.0
 * @category constants
 */
export const demoAccounts: ReadonlyArray<SeedAccount & { readonly externalId: string }> = [
  { externalId: "crm-001", name: "Acme Corp", domain: "https://www.acme.com/", tags: ["enterprise"] },
  { externalId: "crm-002", name: "Globex", domain: "globex.com", tags: ["mid-market"] },
  { externalId: "crm-003", name: "Initech", domain: "www.initech.com", tags: ["smb"] },
  { externalId: "crm-004", name: "Umbrella", domain: "umbrella.com", tags: ["enterprise"] },
  { externalId: "crm-005", name: "Hooli", domain: "hooli.com", tags: ["enterprise"] },
  { externalId: "crm-006", name: "Stark Industries", domain: "starkindustries.com", tags: ["enterprise"] },
  { externalId: "crm-007", name: "Wayne Enterprises", domain: "wayne.com", tags: ["mid-market"] }
]

/**
 * The scores Recotap's scheduled scoring gives them, by domain.
 *
 * @since 0.1.0
 * @category constants
 */
export const demoScores: ReadonlyArray<readonly [string, Scores]> = [
  ["acme.com", {
    rtp_account_score: 92,
    rtp_journey_stage: "Opportunity",
    rtp_website_intent_score: 81,
    rtp_g2_intent_score: 40
  }],
  ["globex.com", { rtp_account_score: 67, rtp_journey_stage: "Consideration", rtp_advertising_activity_score: 55 }],
  ["initech.com", { rtp_account_score: 35, rtp_journey_stage: "Aware", rtp_bombora_intent_score: 22 }],
  ["hooli.com", { rtp_account_score: 78, rtp_journey_stage: "Consideration", rtp_website_intent_score: 64 }],
  ["starkindustries.com", { rtp_account_score: 104, rtp_journey_stage: "Customer" }]
]

/**
 * A static segment the demo pushes accounts into.
 *
 * @since 0.1.0
 * @category constants
 */
export const demoSegments: ReadonlyArray<SeedSegment> = [
  { segmentId: "seg-001", name: "Q2 Target Accounts" },
  { segmentId: "seg-002", name: "Draft Campaign List", status: "draft" }
]

/**
 * Custom fields the demo workspace defines.
 *
 * @since 0.1.0
 * @category constants
 */
export const demoCustomFields: ReadonlyArray<SeedCustomField> = [
  { label: "Contract Value", labelType: "number", description: "Total contract value in USD" },
  { label: "Deal Source", labelType: "singleSelection", options: ["inbound", "outbound", "partner"] }
]
