import type { StringParts } from '../../gateway/core/json-prefix';

/**
 * Every string member of `value` (at any depth) given as parts cut at pseudo-random places,
 * between the halves of a surrogate pair too: a `StringParts` for the serializers' tests, which
 * must give the same text as the whole strings.
 */
export function partsTable(value: unknown, seed: number): { partsOf: StringParts } {
  let s = seed >>> 0 || 1;
  const next = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const table = new Map<object, Map<string | number, string[]>>();
  const cut = (text: string): string[] => {
    const parts: string[] = [];
    let at = 0;
    while (at < text.length) {
      const end = Math.min(text.length, at + Math.floor(next() * 4));
      parts.push(text.slice(at, end));
      at = end;
    }
    if (next() < 0.3) parts.splice(Math.floor(next() * (parts.length + 1)), 0, '');
    return parts;
  };
  const visit = (v: unknown): void => {
    if (v === null || typeof v !== 'object') return;
    const members = Array.isArray(v) ? v.map((m, i) => [i, m] as const) : Object.entries(v);
    for (const [key, member] of members) {
      if (typeof member === 'string') {
        if (!table.has(v)) table.set(v, new Map());
        table.get(v)!.set(key, cut(member));
      } else visit(member);
    }
  };
  visit(value);
  return { partsOf: (container, key) => table.get(container)?.get(key) };
}
