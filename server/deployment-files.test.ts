// The deployments shown to operators are the one `npm run cluster` runs. The nginx
// configuration in docs/scaling.md and deploy/nginx.conf is the text server/nginx.ts
// writes; the Dockerfile and docker-compose.yml name the services, variables, ports
// and commands that `npm run cluster` and the README use. No Docker engine runs
// here, so these files are read, not run: this keeps them from drifting apart.
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "./config";
import { CLUSTER_DATABASE, CLUSTER_SIZE, clusterNodeEnv, clusterNodeName } from "./local-cluster";
import { siteConfig } from "./nginx";
import { PROJECT_DIR } from "./pages";

const read = (file: string) => readFileSync(path.join(PROJECT_DIR, file), "utf8");
const nodeNames = Array.from({ length: CLUSTER_SIZE }, (_, i) => clusterNodeName(i));
/** `npm run cluster` puts nginx on PORT, 3000 unless set; the compose file publishes the same. */
const balancerPort = loadConfig({}).port;

/** The fenced blocks of `language` in a Markdown text. */
function fenced(markdown: string, language: string): string[] {
  return [...markdown.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((match) => match[1]!);
}

/**
 * The lines nested under `key:` at `indent` spaces in a YAML text written as block
 * mappings (as docker-compose.yml is): up to the next line indented as much or less.
 */
function under(lines: string[], key: string, indent: number): string[] {
  const start = lines.findIndex((line) => line === `${" ".repeat(indent)}${key}:`);
  if (start < 0) return [];
  const rest = lines.slice(start + 1);
  const end = rest.findIndex((line) => line.trim() !== "" && !line.startsWith(" ".repeat(indent + 1)));
  return (end < 0 ? rest : rest.slice(0, end)).filter((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}

/** The `key: value` entries right below in such a block, quotes removed. */
function entries(lines: string[]): Record<string, string> {
  const indent = Math.min(...lines.map((line) => line.length - line.trimStart().length));
  return Object.fromEntries(
    lines
      .filter((line) => line.length - line.trimStart().length === indent)
      .map((line) => line.trim().match(/^([^:]+):\s*(.*)$/)!)
      .map(([, key, value]) => [key!, value!.replace(/^"(.*)"$/, "$1")]),
  );
}

/** The items of a block list, quotes removed. */
function items(lines: string[]): string[] {
  return lines.map((line) => line.trim().replace(/^- /, "").replace(/^"(.*)"$/, "$1"));
}

const compose = read("docker-compose.yml").split("\n");
const services = under(compose, "services", 0);
const service = (name: string) => under(services, name, 2);

describe("docs/scaling.md", () => {
  it("shows the nginx configuration npm run cluster runs, for real hosts", () => {
    const shown = fenced(read("docs/scaling.md"), "nginx");
    expect(shown).toHaveLength(1);
    const upstreams = [...shown[0]!.matchAll(/^ {2}server (\S+);$/gm)].map((match) => match[1]!);
    expect(upstreams.length).toBeGreaterThan(1);
    expect(shown[0]).toBe(siteConfig({ listen: "80", upstreams }));
  });

  it("says plainly that the container images were not built here", () => {
    expect(read("docs/scaling.md")).toMatch(/## Containers[\s\S]*not built here/);
  });
});

describe("docker-compose.yml", () => {
  it("runs what npm run cluster runs: PostgreSQL, Redis, the cluster's nodes and nginx", () => {
    expect(Object.keys(entries(services)).sort()).toEqual(["nginx", "postgres", "redis", ...nodeNames].sort());
  });

  it("gives each node the environment npm run cluster gives it, its own NODE_NAME, and runs npm start", () => {
    const database = entries(under(service("postgres"), "environment", 4));
    for (const name of nodeNames) {
      const env = entries(under(service(name), "environment", 4));
      expect(env).toEqual({
        ...clusterNodeEnv({ databaseUrl: env.DATABASE_URL!, redisUrl: env.REDIS_URL!, behindBalancer: true }),
        NODE_NAME: name,
        PORT: String(balancerPort),
      });
      expect(env).toMatchObject({ STORE: "postgres", TRUST_PROXY: "true" });
      const databaseUrl = new URL(env.DATABASE_URL!);
      expect(databaseUrl.hostname).toBe("postgres");
      expect(databaseUrl.pathname).toBe(`/${CLUSTER_DATABASE}`);
      expect([databaseUrl.username, databaseUrl.password]).toEqual([database.POSTGRES_USER, database.POSTGRES_PASSWORD]);
      expect(new URL(env.REDIS_URL!).hostname).toBe("redis");
      expect(entries(service(name)).command).toBe('["npm", "start"]');
    }
    expect(database.POSTGRES_DB).toBe(CLUSTER_DATABASE);
  });

  it("publishes nginx on npm run cluster's port, with the configuration npm run cluster runs", () => {
    expect(items(under(service("nginx"), "ports", 4))).toEqual([`${balancerPort}:${balancerPort}`]);
    expect(items(under(service("nginx"), "volumes", 4))).toContain("./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro");
    const nodePort = entries(under(service(nodeNames[0]!), "environment", 4)).PORT;
    expect(read("deploy/nginx.conf")).toBe(
      siteConfig({ listen: String(balancerPort), upstreams: nodeNames.map((name) => `${name}:${nodePort}`) }),
    );
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  const stages = dockerfile.split(/^FROM /m).slice(1);
  const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;

  it("installs with npm ci and builds the pages in a first stage", () => {
    expect(stages).toHaveLength(2);
    expect(stages[0]).toMatch(/^RUN npm ci$/m);
    expect(stages[0]).toMatch(/^RUN npm run build$/m);
    expect(scripts.build).toBe("next build");
  });

  it("runs npm start as a user other than root, checked by /api/health, on the port the cluster's nodes use", () => {
    const final = stages[1]!;
    expect(final).toMatch(/^USER (?!root\b|0\b)\S+$/m);
    expect(final).toMatch(/^HEALTHCHECK [\s\S]*\/api\/health/m);
    expect(final).toMatch(/^CMD \["npm", "start"\]$/m);
    expect(scripts.start).toBeDefined();
    expect(final).toMatch(/^\s*PORT=(\d+)/m);
    expect(final.match(/^\s*PORT=(\d+)/m)![1]).toBe(entries(under(service(nodeNames[0]!), "environment", 4)).PORT);
    expect(final).toMatch(new RegExp(`^EXPOSE .*\\b${balancerPort}\\b`, "m"));
  });
});

describe("README.md", () => {
  it("names the command and every variable the cluster's nodes are given", () => {
    const readme = read("README.md");
    expect(readme).toContain("npm run cluster");
    expect(readme).toContain("docker compose up");
    for (const variable of [...Object.keys(clusterNodeEnv({ databaseUrl: "d", redisUrl: "r", behindBalancer: true })), "NODE_NAME"]) {
      expect(readme).toContain(`\`${variable}\``);
    }
  });
});
