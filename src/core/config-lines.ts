/**
 * Finds where things are in a TOML config's text, so errors can name a line. smol-toml gives values without
 * positions; configs are small and trusted, so a line-by-line look is enough (this is config text, not scanned
 * content, which is why plain string work is fine here).
 */

export interface TableLocation {
  /** `rules`, `allowlists`, `rules.allowlists`, `extend`, … */
  readonly name: string;
  /** 1-based line of the `[name]` / `[[name]]` header. */
  readonly line: number;
  /** Keys set directly in the table, with their lines. */
  readonly keys: ReadonlyMap<string, number>;
}

const headerPattern = /^\s*\[\[?\s*([A-Za-z0-9_.\- "']+?)\s*\]\]?\s*(#.*)?$/;
const keyPattern = /^\s*("?)([A-Za-z0-9_\-.]+)\1\s*=/;

/** Every table header in document order with the keys written under it (dotted keys keep their first part). */
export function locateTables(text: string): TableLocation[] {
  const tables: { name: string; line: number; keys: Map<string, number> }[] = [
    { name: '', line: 1, keys: new Map() },
  ];
  const lines = text.split(/\r?\n/);
  let inMultiline: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (inMultiline) {
      if (countOccurrences(line, inMultiline) % 2 === 1) inMultiline = null;
      continue;
    }
    const header = headerPattern.exec(line);
    if (header && !keyPattern.test(line)) {
      tables.push({ name: header[1]!.replace(/["'\s]/g, ''), line: i + 1, keys: new Map() });
      continue;
    }
    const key = keyPattern.exec(line);
    if (key) {
      const current = tables[tables.length - 1]!;
      const name = key[2]!.split('.')[0]!;
      if (!current.keys.has(name)) current.keys.set(name, i + 1);
      for (const quote of ["'''", '"""']) {
        if (countOccurrences(line, quote) % 2 === 1) inMultiline = quote;
      }
    }
  }
  return tables;
}

function countOccurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** The n-th (0-based) table with this name, if the text has it. */
export function nthTable(tables: readonly TableLocation[], name: string, n: number): TableLocation | undefined {
  let seen = 0;
  for (const t of tables) {
    if (t.name === name) {
      if (seen === n) return t;
      seen++;
    }
  }
  return undefined;
}

/**
 * The sub-tables (`[[rules.allowlists]]`, `[rules.allowlist]`) that belong to the n-th `[[rules]]`:
 * those between its header and the next `[[rules]]` header.
 */
export function childTables(tables: readonly TableLocation[], parent: TableLocation, name: string): TableLocation[] {
  const start = tables.indexOf(parent);
  const out: TableLocation[] = [];
  for (let i = start + 1; i < tables.length; i++) {
    const t = tables[i]!;
    if (t.name === parent.name) break;
    if (t.name === name) out.push(t);
  }
  return out;
}
