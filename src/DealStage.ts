/**
 * Deal pipelines and their stages, registered from your CRM. Create-only.
 *
 * @module
 */
import * as Schema from "effect/Schema"
import { NonBlankString } from "./internal/params.js"

/** A stage of a pipeline. */
export const DealStageInput = Schema.Struct({
  /** Your stage ID, unique within its pipeline. */
  stageId: NonBlankString,
  stageLabel: NonBlankString
})

/** A pipeline to register, with at least one stage and unique stage IDs. */
export const DealPipelineInput = Schema.Struct({
  pipelineId: NonBlankString,
  pipelineLabel: NonBlankString,
  stages: Schema.NonEmptyArray(DealStageInput).pipe(
    Schema.filter((stages) =>
      new Set(stages.map((s) => s.stageId)).size === stages.length || "stage IDs must be unique within a pipeline"
    )
  )
})

/** @see {@link DealPipelineInput} */
export type DealPipelineInput = typeof DealPipelineInput.Type

/** A pipeline as `GET /deal-stages` returns it (its shape is not documented: read tolerantly). */
export const DealPipeline = Schema.Struct({
  pipelineId: Schema.String,
  pipelineLabel: Schema.optional(Schema.String),
  stages: Schema.optionalWith(
    Schema.Array(Schema.Struct({ stageId: Schema.String, stageLabel: Schema.optional(Schema.String) })),
    { default: () => [] }
  )
})

/** @see {@link DealPipeline} */
export type DealPipeline = typeof DealPipeline.Type

/** One pipeline's entry in Recotap's answer. */
export const DealPipelineResult = Schema.Struct({
  pipelineId: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.String,
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/** @see {@link DealPipelineResult} */
export type DealPipelineResult = typeof DealPipelineResult.Type
