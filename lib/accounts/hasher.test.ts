// The password-hashing pool: real bcrypt in real worker threads.
import bcrypt from "bcryptjs";
import { afterEach, describe, expect, it } from "vitest";
import { HasherPool } from "./hasher";

const COST = 4;
const pools: HasherPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
});

function startPool(size?: number): HasherPool {
  const pool = new HasherPool(size);
  pools.push(pool);
  return pool;
}

describe("the hashing pool", () => {
  it("makes bcrypt hashes that bcrypt anywhere accepts, and checks passwords against them", async () => {
    const pool = startPool();
    const hash = await pool.hash("correct horse", COST);
    expect(bcrypt.compareSync("correct horse", hash)).toBe(true);
    expect(await pool.compare("correct horse", hash)).toBe(true);
    expect(await pool.compare("wrong horse", hash)).toBe(false);
    expect(await pool.compare("correct horse", bcrypt.hashSync("correct horse", COST))).toBe(true);
  });

  it("answers every job when more arrive than it has workers", async () => {
    const pool = startPool(2);
    const passwords = Array.from({ length: 7 }, (_, i) => `password-${i}`);
    const hashes = await Promise.all(passwords.map((password) => pool.hash(password, COST)));
    const checks = await Promise.all(passwords.map((password, i) => pool.compare(password, hashes[(i + 1) % 7]!)));
    expect(hashes.map((hash, i) => bcrypt.compareSync(passwords[i]!, hash))).toEqual(passwords.map(() => true));
    expect(checks).toEqual(passwords.map(() => false));
  });

  it("counts the jobs waiting for a free worker", async () => {
    const pool = startPool(1);
    const jobs = ["one", "two", "three"].map((password) => pool.hash(password, COST));
    expect(pool.waiting).toBe(2);
    await Promise.all(jobs);
    expect(pool.waiting).toBe(0);
  });

  it("keeps serving after a job it cannot run", async () => {
    const pool = startPool(1);
    await expect(pool.compare("password", 42 as unknown as string)).rejects.toThrow(/Illegal arguments/);
    expect(await pool.compare("password", await pool.hash("password", COST))).toBe(true);
  });

  it("refuses jobs once closed", async () => {
    const pool = startPool(1);
    await pool.close();
    await expect(pool.hash("password", COST)).rejects.toThrow(/stopped/);
  });
});
