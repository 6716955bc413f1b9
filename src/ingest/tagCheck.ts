/**
 * The optional `tags` of a prediction record: string labels (serving pod,
 * country, …) that segments can slice by (`segments: [{ by: "tag:<key>" }]`).
 * Bounded so that one record cannot bloat its row: at most MAX_TAGS keys,
 * keys of a fixed alphabet, values non-empty and short, and every value
 * storable as PostgreSQL text (checked like the other text fields).
 */
import { MAX_TAG_VALUE_LENGTH, MAX_TAGS, TAG_KEY_PATTERN } from './recordSchema.js';
import { checkText, quoteForMessage, type TextProblem } from './textCheck.js';

export interface TagProblem {
  code: 'wrong_type' | TextProblem['code'];
  message: string;
}

/** Why `tags` (the field as parsed from JSON, present) is not acceptable, or null when it is. */
export function tagsProblem(tags: unknown): TagProblem | null {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    return {
      code: 'wrong_type',
      message: `tags: expected an object of string values, not ${tags === null ? 'null' : Array.isArray(tags) ? 'an array' : typeof tags}`,
    };
  }
  // Object.keys sees every own key, `__proto__` included.
  const keys = Object.keys(tags);
  if (keys.length > MAX_TAGS) {
    return {
      code: 'bad_value',
      message: `tags: ${keys.length} tags; at most ${MAX_TAGS} are allowed`,
    };
  }
  for (const key of keys) {
    if (!TAG_KEY_PATTERN.test(key)) {
      return {
        code: 'bad_value',
        message: `tags: key ${quoteForMessage(key)} is not a tag key (a letter or _, then up to 63 of A-Z a-z 0-9 _ . -)`,
      };
    }
    const value = (tags as Record<string, unknown>)[key];
    if (typeof value !== 'string') {
      return {
        code: 'wrong_type',
        message: `tags.${key}: expected a string, not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
      };
    }
    if (value.length === 0) {
      return { code: 'bad_value', message: `tags.${key}: must not be empty` };
    }
    const problem = checkText(`tags.${key}`, value, MAX_TAG_VALUE_LENGTH);
    if (problem) return problem;
  }
  return null;
}

/** The tags as stored (`predictions.tags`, jsonb): null when absent or empty. */
export function storedTags(tags: Readonly<Record<string, string>> | undefined): string | null {
  if (tags === undefined) return null;
  return Object.keys(tags).length > 0 ? JSON.stringify(tags) : null;
}
