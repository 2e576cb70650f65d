/**
 * Every property test runs seeded, so a run checks the same cases on every machine and any
 * failure replays: FC_SEED=<n> gives every property that seed (fast-check prints the seed and path
 * of a counterexample). Loaded for every test file (vitest.config.ts, setupFiles); the tests that
 * draw whole sequences pass the seed to fast-check themselves (incremental-equals-full keeps its
 * own default).
 */
import fc from "fast-check";

export const FC_SEED = Number.parseInt(process.env.FC_SEED ?? "20220520", 10);
if (!Number.isSafeInteger(FC_SEED)) throw new Error(`FC_SEED must be an integer, got "${process.env.FC_SEED}"`);

fc.configureGlobal({ seed: FC_SEED });
