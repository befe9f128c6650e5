/**
 * Deal pipelines and their stages, registered from your CRM. Create-only.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { NonBlankString } from "./internal/params.js"

/**
 * A stage of a pipeline.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealStageInput = Schema.Struct({
  /** Your stage ID, unique within its pipeline. */
  stageId: NonBlankString,
  stageLabel: NonBlankString
})

/**
 * A pipeline to register, with at least one stage and unique stage IDs.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealPipelineInput = Schema.Struct({
  pipelineId: NonBlankString,
  pipelineLabel: NonBlankString,
  stages: Schema.NonEmptyArray(DealStageInput).pipe(
    Schema.filter((stages) =>
      new Set(stages.map((s) => s.stageId)).size === stages.length || "stage IDs must be unique within a pipeline"
    )
  )
})

/**
 * @see {@link DealPipelineInput}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealPipelineInput = typeof DealPipelineInput.Type

/**
 * A pipeline as `GET /deal-stages` returns it (its shape is not documented: read tolerantly).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealPipeline = Schema.Struct({
  pipelineId: Schema.String,
  pipelineLabel: Schema.optional(Schema.String),
  stages: Schema.optionalWith(
    Schema.Array(Schema.Struct({ stageId: Schema.String, stageLabel: Schema.optional(Schema.String) })),
    { default: () => [] }
  )
})

/**
 * @see {@link DealPipeline}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealPipeline = typeof DealPipeline.Type

/**
 * One pipeline's entry in Recotap's answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealPipelineResult = Schema.Struct({
  pipelineId: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.String,
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @see {@link DealPipelineResult}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealPipelineResult = typeof DealPipelineResult.Type
