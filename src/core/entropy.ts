/**
 * Shannon entropy of a secret in bits per character, counted over Unicode code points (gitleaks counts runes
 * too, but divides by the byte length; for the ASCII secrets rules target the two agree).
 */
export function shannonEntropy(text: string): number {
  if (text.length === 0) return 0;
  const counts = new Map<number, number>();
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    counts.set(cp, (counts.get(cp) ?? 0) + 1);
    n++;
  }
  let h = 0;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}
