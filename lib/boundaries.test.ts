// Guards the shape of lib/: the domain imports no transport and no other top-level
// folder of the app (server/, app/, bin/), and its folders import each other without
// a loop (a loop means two concepts that cannot be understood apart). Test files may
// reach test support anywhere, so only the modules the app runs are checked.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const LIB = path.dirname(new URL(import.meta.url).pathname);
const ROOT = path.dirname(LIB);
/** Packages that belong to a transport or to the pages, never to the domain. */
const FORBIDDEN_PACKAGES = [/^socket\.io(-client)?(\/|$)/, /^@socket\.io\//, /^next(\/|$)/, /^@grpc\//];
const IMPORT = /(?:^|\s)(?:import|export)\s(?:[^"';]*?\sfrom\s)?["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)/g;

interface Module {
  /** Path from lib/, e.g. "rooms/room.ts". */
  file: string;
  /** Folder from lib/, "" for lib/ itself. */
  folder: string;
  /** Every specifier it imports, re-exports or loads. */
  imports: string[];
}

function modules(dir = LIB): Module[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return modules(full);
    if (!/\.(ts|mjs)$/.test(entry.name) || /\.test\.ts$/.test(entry.name)) return [];
    const source = readFileSync(full, "utf8");
    const imports = [...source.matchAll(IMPORT)].map((match) => (match[1] ?? match[2])!);
    const file = path.relative(LIB, full);
    return [{ file, folder: path.dirname(file) === "." ? "" : path.dirname(file), imports }];
  });
}

/** Where a specifier points, from ROOT ("server/socket", "lib/rooms/room"), or undefined for a package. */
function target(mod: Module, specifier: string): string | undefined {
  if (specifier.startsWith("@/")) return specifier.slice(2);
  if (!specifier.startsWith(".")) return undefined;
  return path.relative(ROOT, path.resolve(LIB, mod.folder, specifier));
}

describe("lib/ boundaries", () => {
  const all = modules();

  it("finds the modules it checks", () => {
    expect(all.map((mod) => mod.file)).toContain("rooms/room.ts");
    expect(all.find((mod) => mod.file === "rooms/room.ts")?.imports).toContain("./mailbox");
  });

  it("imports nothing from server/, app/, bin/, socket.io, next or @grpc", () => {
    const offences = all.flatMap((mod) =>
      mod.imports
        .filter((specifier) => {
          const to = target(mod, specifier);
          if (to === undefined) return FORBIDDEN_PACKAGES.some((pattern) => pattern.test(specifier));
          return !to.startsWith("lib/");
        })
        .map((specifier) => `${mod.file} imports ${specifier}`),
    );
    expect(offences).toEqual([]);
  });

  it("has no import loop between its folders", () => {
    const edges = new Map<string, Set<string>>();
    for (const mod of all) {
      for (const specifier of mod.imports) {
        const to = target(mod, specifier);
        if (to === undefined || !to.startsWith("lib/")) continue;
        const folder = path.dirname(path.relative("lib", to));
        const toFolder = folder === "." ? "" : folder;
        if (toFolder === mod.folder) continue;
        if (!edges.has(mod.folder)) edges.set(mod.folder, new Set());
        edges.get(mod.folder)!.add(toFolder);
      }
    }
    const loops: string[] = [];
    const state = new Map<string, "visiting" | "done">();
    const visit = (folder: string, trail: string[]) => {
      if (state.get(folder) === "done") return;
      if (state.get(folder) === "visiting") {
        loops.push([...trail.slice(trail.indexOf(folder)), folder].map((name) => `lib/${name}`).join(" -> "));
        return;
      }
      state.set(folder, "visiting");
      for (const next of edges.get(folder) ?? []) visit(next, [...trail, folder]);
      state.set(folder, "done");
    };
    for (const folder of edges.keys()) visit(folder, []);
    expect(loops).toEqual([]);
  });
});
