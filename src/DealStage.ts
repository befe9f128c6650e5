/**
 * Deal pipelines and their stages, registered from your CRM. Create-only.
 *
 * @since 0.1.0
 */
import * as Schema from "effect/Schema"
import { ItemStatus } from "./internal/outcome.js"
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
 * A pipeline as `GET /deal-stages` is presumed to return it: `{ pipelineId, pipelineLabel,
 * stages: [{ stageId, stageLabel }] }`, the shape it is registered in. The reference marks that
 * shape unsure (no page documents the endpoint), so an item of any other shape is not forced
 * into this one: `dealStages.list()` keeps it as received (see {@link UnrecognizedDealPipeline}).
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealPipeline = Schema.Struct({
  pipelineId: Schema.String,
  pipelineLabel: Schema.String,
  stages: Schema.Array(Schema.Struct({ stageId: Schema.String, stageLabel: Schema.String }))
})

/**
 * @see {@link DealPipeline}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealPipeline = typeof DealPipeline.Type

/**
 * An item of `GET /deal-stages` that is not a {@link DealPipeline} (no `pipelineId`, no
 * `stages`, not an object, ...), kept as received.
 *
 * @since 0.1.0
 * @category schemas
 */
export const UnrecognizedDealPipeline = Schema.Struct({
  /** Its position in the list as received (0-based, counted across pages). */
  index: Schema.Number,
  /** The JSON value as received. */
  raw: Schema.Unknown,
  /** Why it is not a `DealPipeline`, naming the field, e.g. `pipelineId: is missing`. */
  error: Schema.String
})

/**
 * @see {@link UnrecognizedDealPipeline}
 *
 * @since 0.1.0
 * @category schemas
 */
export type UnrecognizedDealPipeline = typeof UnrecognizedDealPipeline.Type

/**
 * What `dealStages.list()` returns: the pipelines that could be read, and the items that could
 * not, kept as received. Both in the order received; together, every item of the answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealPipelines = Schema.Struct({
  /** The items read as {@link DealPipeline}s. */
  pipelines: Schema.Array(DealPipeline),
  /** The items of another shape, as received (usually none). */
  unrecognized: Schema.Array(UnrecognizedDealPipeline)
})

/**
 * @see {@link DealPipelines}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealPipelines = typeof DealPipelines.Type

/**
 * One pipeline's entry in Recotap's answer.
 *
 * @since 0.1.0
 * @category schemas
 */
export const DealPipelineResult = Schema.Struct({
  pipelineId: Schema.optional(Schema.NullOr(Schema.String)),
  /** Documented: `created` (the API reference, §2.9); other text is kept. */
  status: ItemStatus("created"),
  error: Schema.optional(Schema.NullOr(Schema.String))
})

/**
 * @see {@link DealPipelineResult}
 *
 * @since 0.1.0
 * @category schemas
 */
export type DealPipelineResult = typeof DealPipelineResult.Type
