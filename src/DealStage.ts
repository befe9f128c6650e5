/**
 * Deal pipelines and their stages, registered from your CRM. Create-only.
 *
 * @module
 */
import * as Schema from "effect/Schema"
import { NonBlankString } from "./internal/params.js"

/** A stage of a pipeline. */
export const StageInput = Schema.Struct({
  /** Your stage ID, unique within its pipeline. */
  stageId: NonBlankString,
  stageLabel: NonBlankString
})

/** A pipeline to register, with at least one stage and unique stage IDs. */
export const PipelineInput = Schema.Struct({
  pipelineId: NonBlankString,
  pipelineLabel: NonBlankString,
  stages: Schema.NonEmptyArray(StageInput).pipe(
    Schema.filter((stages) =>
      new Set(stages.map((s) => s.stageId)).size === stages.length || "stage IDs must be unique within a pipeline"
    )
  )
})

/** @see {@link PipelineInput} */
export type PipelineInput = typeof PipelineInput.Type

/** A pipeline as `GET /deal-stages` returns it (its shape is not documented: read tolerantly). */
export const Pipeline = Schema.Struct({
  pipelineId: Schema.String,
  pipelineLabel: Schema.optional(Schema.String),
  stages: Schema.optionalWith(
    Schema.Array(Schema.Struct({ stageId: Schema.String, stageLabel: Schema.optional(Schema.String) })),
    { default: () => [] }
  )
})

/** @see {@link Pipeline} */
export type Pipeline = typeof Pipeline.Type

/** One pipeline's entry in Recotap's answer. */
export const PipelineResult = Schema.Struct({
  pipelineId: Schema.optional(Schema.NullOr(Schema.String)),
  status: Schema.String,
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/** @see {@link PipelineResult} */
export type PipelineResult = typeof PipelineResult.Type
