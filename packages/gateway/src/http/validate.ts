// Validates request input with a protocol schema; a failure is a ParameterError naming each field.
import { describeIssues } from '@payhook/protocol';
import type { z } from 'zod';
import { ParameterError } from '../errors.js';

export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  // reportInput lets describeIssues tell a missing field from a wrong-typed one.
  const result = schema.safeParse(input ?? {}, { reportInput: true });
  if (!result.success) throw new ParameterError(describeIssues(result.error));
  const nul = fieldWithNul(result.data);
  // PostgreSQL cannot hold U+0000 in text (SQLite can): refused here, both backends answer alike.
  if (nul !== undefined) throw new ParameterError(`${nul}: must not contain the NUL character`);
  return result.data;
}

/** The path of the first string holding U+0000 in validated (so shallow, finite) output. */
function fieldWithNul(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path || 'input' : undefined;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = fieldWithNul(inner, path === '' ? key : `${path}.${key}`);
    if (found !== undefined) return found;
  }
  return undefined;
}
