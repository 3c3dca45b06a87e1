/**
 * The only file that imports `re2` (STYLE habit 4). Scanned content never goes through JavaScript `RegExp`.
 * (lead: `checkRegex` is used by the config loader; engine owns the rest of this file.)
 */
import RE2 from 're2';

/** Why a pattern is not valid RE2 syntax, or undefined when it compiles. */
export function checkRegex(pattern: string): string | undefined {
  try {
    new RE2(pattern, 'u');
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}
