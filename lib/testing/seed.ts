// The seed behind every property test, so that a red run can be replayed.
// fast-check's fc.assert says `seed: N` in its failure; assertProperty and sampled
// inputs say theirs too. `FC_SEED=N npx vitest run <file>` then generates the same
// inputs again: vitest.config.ts installs replaySeedFromEnv for every test file.
import fc from "fast-check";

/** FC_SEED as a 32-bit integer, or undefined when unset; anything else is a mistake worth stopping for. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.FC_SEED;
  if (text === undefined || text === "") return undefined;
  const seed = Number(text);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, the seed a failed property printed; got "${text}".`);
  return seed | 0;
}

/** With FC_SEED set, every property and sample that names no seed of its own uses it. */
export function replaySeedFromEnv(): void {
  const seed = seedFromEnv();
  if (seed !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}

/** A seed for fc.sample: FC_SEED when replaying, else a fresh one (report it with `reportingSeed`). */
export function sampleSeed(): number {
  return seedFromEnv() ?? (Math.random() * 0x1_0000_0000) | 0;
}

/** Runs `check`; a failure says which seed generated its inputs and how to replay them. */
export async function reportingSeed<T>(seed: number, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof Error) error.message += `\n(inputs from fast-check seed ${seed}: replay with FC_SEED=${seed})`;
    throw error;
  }
}
