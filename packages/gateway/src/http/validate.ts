// Validates request input with a protocol schema; a failure is a ParameterError naming each field.
import { describeIssues } from '@payhook/protocol';
import type { z } from 'zod';
import { ParameterError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  // reportInput lets describeIssues tell a missing field from a wrong-typed one.
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) throw new ParameterError(describeIssues(result.error));
  return result.data;
}
