// Figure: a login for an unknown username costs the same time as a wrong password,
// so timing cannot tell which names are registered. Interleaves N tries of each
// against the real Accounts (bcrypt at the production cost, on the server's hashing
// threads) and prints the medians.
// Run: node --import tsx bench/login-timing.ts [tries=200] [bcryptCost=10]
import { performance } from "node:perf_hooks";
import { Accounts } from "../lib/accounts/accounts";
import { HasherPool } from "../lib/accounts/hasher";
import { MemoryStore } from "../lib/store/memory";

const tries = Number(process.argv[2] ?? 200);
const bcryptCost = Number(process.argv[3] ?? 10);
const hasher = new HasherPool();
const accounts = new Accounts(new MemoryStore(), { bcryptCost, hasher });
await accounts.register("registered", "the right password");

async function timeOf(username: string): Promise<number> {
  const startedAt = performance.now();
  await accounts.login(username, "a wrong password").catch(() => undefined);
  return performance.now() - startedAt;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

// One warm-up of each: the first unknown-name login also makes the dummy hash once.
await timeOf("nobody-0");
await timeOf("registered");
const wrongPassword: number[] = [];
const unknownUser: number[] = [];
for (let i = 0; i < tries; i++) {
  // Alternate which goes first, so drift in machine load falls on both alike.
  if (i % 2) {
    wrongPassword.push(await timeOf("registered"));
    unknownUser.push(await timeOf(`nobody-${i}`));
  } else {
    unknownUser.push(await timeOf(`nobody-${i}`));
    wrongPassword.push(await timeOf("registered"));
  }
}
const wrong = median(wrongPassword);
const unknown = median(unknownUser);
// Each pair ran back to back, so its difference cancels drift in the machine's load.
const paired = median(unknownUser.map((time, i) => time - wrongPassword[i]!));
console.log(
  `bcrypt cost ${bcryptCost}, ${tries} tries each: median wrong password ${wrong.toFixed(2)} ms, ` +
    `unknown user ${unknown.toFixed(2)} ms; difference of medians ${Math.abs(wrong - unknown).toFixed(2)} ms, ` +
    `median paired difference ${paired.toFixed(2)} ms`,
);
await hasher.close();
