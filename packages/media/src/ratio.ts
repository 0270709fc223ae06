// Frame rates and aspect ratios as exact fractions, so 30000/1001 stays 30000/1001 from probe to ffmpeg argument.

export interface Ratio {
  num: number;
  den: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

export function reduce(r: Ratio): Ratio {
  const d = gcd(Math.abs(r.num), Math.abs(r.den)) || 1;
  return { num: r.num / d, den: r.den / d };
}

/** ffprobe writes `30000/1001`, `16:15`, or `0/0` and `N/A` when it does not know; unknown becomes null. */
export function parseRatio(text: string | undefined): Ratio | null {
  const m = /^(\d+)[/:](\d+)$/.exec(text?.trim() ?? '');
  if (!m) return null;
  const num = Number(m[1]);
  const den = Number(m[2]);
  return num > 0 && den > 0 ? reduce({ num, den }) : null;
}

export const ratioValue = (r: Ratio) => r.num / r.den;
export const formatRatio = (r: Ratio) => `${r.num}/${r.den}`;
