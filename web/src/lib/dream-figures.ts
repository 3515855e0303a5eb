/**
 * A trend in words and sane units. The report's `trend` is a slope in units per hour, which over a
 * few seconds of samples is huge ("rising 40940%/h"); what a person wants is the direction and
 * how far it moved, which never exceeds the range actually seen.
 */
export function trendWord(s: { trend: number | null; min: number | null; max: number | null }, windowHours: number): string {
  if (s.trend === null || s.min === null || s.max === null) return "—";
  const moved = Math.min(Math.abs(s.trend) * windowHours, s.max - s.min);
  const points = Math.round(moved * 100);
  if (points < 1) return "steady";
  return `${s.trend > 0 ? "rising" : "falling"}, ${s.trend > 0 ? "+" : "−"}${points} pts`;
}
