// Scenario 6: logins/s against the bcrypt ceiling of the server's core, and chat
// p99 while a login burst runs beside it.
import { execFileSync } from "node:child_process";
import { login, registerUser } from "../accounts";
import { runFanout } from "../fanout";
import { closedLoop } from "../httpload";
import { busiestLoad, ratio, type Row } from "../report";
import type { Context, Scenario } from "../scenario";
import { hasTaskset, ServerHandle } from "../spawn";

const BCRYPT_COST = 10;
const PASSWORD = "bench-password-1";

/**
 * bcryptjs comparisons per second on the server's core (core 0): per wall-clock second,
 * and per CPU-second, which time stolen by other work on a shared machine does not lower.
 */
function bcryptCeiling(seconds: number): { perS: number; perCpuS: number } {
  const script = `
    import bcrypt from "bcryptjs";
    const hash = bcrypt.hashSync(${JSON.stringify(PASSWORD)}, ${BCRYPT_COST});
    const until = performance.now() + ${seconds * 1000};
    let n = 0;
    const began = performance.now();
    const cpu = process.cpuUsage();
    while (performance.now() < until || n < 3) { bcrypt.compareSync(${JSON.stringify(PASSWORD)}, hash); n++; }
    const used = process.cpuUsage(cpu);
    console.log(JSON.stringify({ perS: n / ((performance.now() - began) / 1000), perCpuS: n / ((used.user + used.system) / 1e6) }));`;
  const node = [process.execPath, "--input-type=module", "-e", script];
  const [command, ...args] = hasTaskset ? ["taskset", "-c", "0", ...node] : node;
  return JSON.parse(execFileSync(command!, args, { encoding: "utf8" })) as { perS: number; perCpuS: number };
}

export const loginScenario: Scenario = {
  name: "login",
  title: "6. Login: logins/s against the bcrypt ceiling, chat p99 during a login burst",
  async run(context: Context): Promise<Row[]> {
    const seconds = context.quick ? 1 : 4;
    const ceiling = bcryptCeiling(seconds);
    context.log(`bcrypt ceiling (cost ${BCRYPT_COST}, one core): ${ceiling.perS.toFixed(1)} compares/s, ${ceiling.perCpuS.toFixed(1)} per CPU-second`);
    const server = await ServerHandle.start("livechat", { env: { ...context.livechatEnv, BCRYPT_COST: String(BCRYPT_COST) } });
    try {
      const username = `login${process.pid}`;
      await registerUser(server.url, username, PASSWORD);
      if ((await login(server.url, username, PASSWORD)).status !== 200) throw new Error("the bench user cannot log in");
      const body = JSON.stringify({ username, password: PASSWORD });
      server.startCpu();
      const logins = await closedLoop(server.url, { method: "POST", path: "/api/auth/login", body }, 4, seconds);
      const loginCpuS = (await server.stopCpu()) / 1000;
      const total = Object.values(logins.statuses).reduce((a, b) => a + b, 0);
      const loginsPerS = (logins.requestsPerS * (logins.statuses[200] ?? 0)) / Math.max(1, total);
      const loginsPerCpuS = (logins.statuses[200] ?? 0) / Math.max(0.001, loginCpuS);
      context.log(`logins: ${loginsPerS.toFixed(1)}/s, ${loginsPerCpuS.toFixed(1)} per server CPU-second, statuses ${JSON.stringify(logins.statuses)}, p99 ${logins.latency.p99Ms} ms`);

      const chat = { members: 100, messagesPerS: 10, durationS: seconds };
      const quiet = await runFanout(server, chat);
      const burst = await runFanout(server, {
        ...chat,
        alongside: async () => void (await closedLoop(server.url, { method: "POST", path: "/api/auth/login", body }, 8, seconds)),
      });
      context.log(`chat p99 ${quiet.receive.p99Ms} ms alone, ${burst.receive.p99Ms} ms during a login burst (${burst.deliveredPct}% delivered)`);
      context.detail("livechat", { ceiling, logins, quiet, burst });
      const loginRatio = ratio(loginsPerCpuS, ceiling.perCpuS);
      const chatRatio = ratio(burst.receive.p99Ms, quiet.receive.p99Ms);
      return [
        {
          scenario: "6 login",
          figure: `logins per server CPU-second (B-sio column: bcrypt cost ${BCRYPT_COST} compares per CPU-second)`,
          unit: "/CPU-s",
          bsio: ceiling.perCpuS,
          livechat: loginsPerCpuS,
          ratio: loginRatio,
          target: ">= 0.9x ceiling",
          pass: (loginRatio ?? 0) >= 0.9,
          note: `wall clock: ${loginsPerS.toFixed(1)} logins/s against a ceiling of ${ceiling.perS.toFixed(1)} compares/s on core 0`,
        },
        {
          scenario: "6 login",
          figure: "chat p99 in a room of 100 during a login burst (B-sio column: without)",
          unit: "ms",
          bsio: quiet.receive.p99Ms,
          livechat: burst.receive.p99Ms,
          ratio: chatRatio,
          target: "<= 1.5x without",
          pass: (chatRatio ?? Infinity) <= 1.5 && burst.deliveredPct === 100,
          loadCpuPct: busiestLoad(quiet, burst),
        },
      ];
    } finally {
      await server.close();
    }
  },
};
