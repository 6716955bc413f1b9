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

const inputColumnSchema = z.strictObject({
  feature: z.string().min(1),
  encoding: z.enum(['numeric', 'one_hot', 'index', 'string']),
  categories: z.array(z.string()).min(1).optional(),
});

const onnxInputSchema = z.strictObject({
  name: z.string().min(1),
  type: z.enum(['float32', 'string']),
  columns: z.array(inputColumnSchema).min(1),
});

export const onnxArtifactSchema = z
  .strictObject({
    path: z.string().min(1),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256')
      .optional(),
    inputs: z.array(onnxInputSchema).min(1).optional(),
    outputName: z.string().min(1).optional(),
    scoreColumn: z.number().int().min(0).optional(),
    unknownCategory: z.enum(['unscorable', 'zeros']).optional(),
    inputName: z.string().min(1).optional(),
  })
  .superRefine((value, ctx) => {
    value.inputs?.forEach((input, i) =>
      input.columns.forEach((column, j) => {
        const needsCategories = column.encoding === 'one_hot' || column.encoding === 'index';
        if (needsCategories && !column.categories) {
          ctx.addIssue({
            code: 'custom',
            path: ['inputs', i, 'columns', j, 'categories'],
            message: `encoding ${column.encoding} needs the list of categories`,
          });
        }
        if ((input.type === 'string') !== (column.encoding === 'string')) {
          ctx.addIssue({
            code: 'custom',
            path: ['inputs', i, 'columns', j, 'encoding'],
            message: `a ${input.type} input cannot take a ${column.encoding} column`,
          });
        }
      }),
    );
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
    value.onnx?.inputs?.forEach((input, i) =>
      input.columns.forEach((column, j) => {
        if (!seen.has(column.feature)) {
          ctx.addIssue({
            code: 'custom',
            path: ['onnx', 'inputs', i, 'columns', j, 'feature'],
            message: `"${column.feature}" is not a feature of this version`,
          });
        }
      }),
    );
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
  /**
   * The version's reference file (CSV with a header row, or NDJSON), relative
   * to the models folder like `onnx.path`; imported at start-up when the
   * version has no reference yet.
   */
  reference: z.string().min(1).optional(),
});
