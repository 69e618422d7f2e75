import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { serializerCompiler } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { type IssueReport, reportIssues } from '../../core/validation/zod-issues.ts';

/** A request part (params, body, querystring, headers) its route schema refused. */
export class RequestValidationError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_VALIDATION';
  /** Every issue, in the words of core/validation (the same as the CLI's and the workflows'). */
  readonly issues: IssueReport[];
  /** Set by Fastify: which part of the request was refused. */
  validationContext?: 'params' | 'body' | 'querystring' | 'headers';

  constructor(error: z.ZodError, input: unknown) {
    const issues = reportIssues(error, { input });
    super(issues.map((issue) => `${issue.field || '(root)'}: ${issue.rule}`).join('; '));
    this.name = 'RequestValidationError';
    this.issues = issues;
  }
}

/**
 * Route schemas are zod schemas (with `ZodTypeProvider` from fastify-type-provider-zod, handlers get the
 * parsed types). The validator keeps the zod error and the input, which the package's own validator
 * flattens away, so a refusal can tell a missing field from a mistyped one; Fastify sets
 * `validationContext` ("params", "body", …) on the error. Responses are checked against their schema
 * by the package's serializer.
 */
export function useZodSchemas(app: FastifyInstance): void {
  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
}

const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> =
  ({ schema }) =>
  (input: unknown) => {
    const result = schema.safeParse(input);
    return result.success
      ? { value: result.data }
      : { error: new RequestValidationError(result.error, input) };
  };
