// Medians and ranges over a bench's rounds.

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const round = (x) => Math.round(x * 100) / 100;
/** Median over the rounds with the range, to 2 decimals: { p50, min, max }. */
export const stat = (xs) => ({ p50: round(median(xs)), min: round(Math.min(...xs)), max: round(Math.max(...xs)) });
/** Median [min–max] as text, to `d` decimals. */
export const rangeText = (xs, d = 0) => `${median(xs).toFixed(d)} [${Math.min(...xs).toFixed(d)}–${Math.max(...xs).toFixed(d)}]`;
