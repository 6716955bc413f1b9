/**
 * PostgreSQL errors that mean the client's text could not be stored (a NUL
 * character, bytes not valid in the database encoding): input, not a fault.
 */
const UNSTORABLE_TEXT_CODES = new Set([
  '22021', // character_not_in_repertoire
  '22P05', // untranslatable_character
]);

export function isUnstorableTextError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && UNSTORABLE_TEXT_CODES.has(code);
}
