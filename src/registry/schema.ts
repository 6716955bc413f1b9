/**
 * The shape of a model version definition, shared by the registration API
 * (PUT body), the start-up manifests (`models/<model>/<version>/model.json`)
 * and the OpenAPI document.
 */
import { z } from 'zod';

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const modelNameSchema = z
  .string()
  .regex(
    MODEL_NAME_PATTERN,
    'must be 1-128 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

export const featureSpecSchema = z.strictObject({
  name: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_.:-]{0,127}$/,
      'feature names are 1-128 characters: letters, digits, "_", ".", ":", "-"',
    ),
  type: z.enum(['numeric', 'categorical']),
});

export const onnxArtifactSchema = z.strictObject({
  path: z.string().min(1),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256')
    .optional(),
  inputName: z.string().min(1).optional(),
  outputName: z.string().min(1).optional(),
});

export const modelVersionDefinitionSchema = z
  .strictObject({
    task: z.enum(['binary_classification', 'regression']),
    features: z.array(featureSpecSchema).min(1).max(2_000),
    /** Decision threshold on the score for classifiers. */
    threshold: z.number().min(0).max(1).default(0.5),
    onnx: onnxArtifactSchema.nullable().optional(),
  })
  .superRefine((value, ctx) => {
    const seen = new Set<string>();
    value.features.forEach((feature, index) => {
      if (seen.has(feature.name)) {
        ctx.addIssue({
          code: 'custom',
          path: ['features', index, 'name'],
          message: `duplicate feature name "${feature.name}"`,
        });
      }
      seen.add(feature.name);
    });
  });

export type ModelVersionDefinition = z.output<typeof modelVersionDefinitionSchema>;

/** A manifest carries its own model and version names. */
export const modelManifestSchema = z.looseObject({
  model: modelNameSchema,
  version: modelNameSchema,
  task: z.enum(['binary_classification', 'regression']),
  features: z.array(featureSpecSchema).min(1),
  threshold: z.number().min(0).max(1).optional(),
  onnx: onnxArtifactSchema.nullable().optional(),
});
