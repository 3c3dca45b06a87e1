import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** The installed package's root: compiled code lives in `<root>/dist/src/core/`. */
export const packageRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** The built-in rule pack. */
export const patternsDir: string = path.join(packageRoot, 'patterns');
