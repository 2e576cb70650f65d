/** "Did you mean" hints for misspelt names. */
import { editDistance } from "../../lib/closest.js";

/** ` (did you mean "X"?)` when a known name is a small edit away. */
export function suggest(name: string, known: readonly string[]): string {
  let best: string | null = null;
  // Roughly one typo per three characters; "Url" is not a typo of "Arn".
  let bestDistance = Math.max(1, Math.floor(name.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase(), { swaps: false });
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === null ? "" : ` (did you mean "${best}"?)`;
}
