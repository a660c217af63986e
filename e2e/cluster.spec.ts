// Two browsers on two nodes of one cluster (a PostgreSQL, a redis-server and two
// production nodes started here, on free ports): they chat live, each page names its
// node, and an outage of the store (PostgreSQL) is shown on the sender's page and recovered from.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startLocalCluster, type LocalCluster } from "../server/local-cluster";
import { startPostgresServer, type PostgresServer } from "../server/postgres-server";
import { freePort } from "../server/redis-server";
import { authorOf, composer, expectConnected, messageWith, pendingMessages, roomPath } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";
import type { Page } from "@playwright/test";

let cluster: LocalCluster;
let restartedPostgres: PostgresServer | undefined;
let dataDir: string;

test.describe.configure({ mode: "serial" });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  dataDir = mkdtempSync(path.join(tmpdir(), "livechat-e2e-cluster-"));
  // As root, PostgreSQL runs as the postgres user, who must be able to enter it to reach its own folder.
  chmodSync(dataDir, 0o755);
  cluster = await startLocalCluster({
    dataDir,
    ports: [await freePort(), await freePort()],
    env: { SESSION_SECRET: randomBytes(36).toString("base64url"), DATA_DIR: dataDir, LOG_LEVEL: "warn" },
    stdio: "ignore",
  });
});

test.afterAll(async () => {
  await cluster?.stop();
  await restartedPostgres?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function enter(page: Page, nodeUrl: string, name: string, room: string): Promise<void> {
  const response = await page.request.post(`${nodeUrl}/api/auth/guest`, { data: { name } });
  expect(response.status(), await response.text()).toBe(200);
  await page.goto(nodeUrl + roomPath(room));
  await expectConnected(page);
}

test("two people on two nodes see each other and each other's messages live", async ({ owner, visitor, room }) => {
  const [node1, node2] = cluster.nodes;
  const ownerName = `ann_${randomSuffix()}`;
  const visitorName = `bob_${randomSuffix()}`;
  await enter(owner, node1!.url, ownerName, room);
  await enter(visitor, node2!.url, visitorName, room);
  await expect(owner.getByTestId("node")).toContainText("node-1");
  await expect(visitor.getByTestId("node")).toContainText("node-2");

  for (const page of [owner, visitor]) {
    await expect(page.getByRole("heading", { name: "In the room (2)" })).toBeVisible();
    await expect(page.getByTestId("members").getByTestId("member").filter({ hasText: visitorName })).toHaveCount(1);
  }

  await composer(owner).fill("hello from node 1");
  await composer(owner).press("Enter");
  await expect(authorOf(messageWith(visitor, "hello from node 1"))).toHaveText(ownerName);
  await composer(visitor).fill("hi back from node 2");
  await composer(visitor).press("Enter");
  await expect(authorOf(messageWith(owner, "hi back from node 2"))).toHaveText(visitorName);

  for (const page of [owner, visitor]) {
    await expect(page.getByTestId("message-content")).toHaveText(["hello from node 1", "hi back from node 2"]);
  }
});

test("a PostgreSQL outage is shown on the page, and a message written during it goes out once it is back", async ({
  owner,
  visitor,
  room,
}) => {
  const [node1, node2] = cluster.nodes;
  await enter(owner, node1!.url, `cy_${randomSuffix()}`, room);
  await enter(visitor, node2!.url, `di_${randomSuffix()}`, room);

  const { port } = cluster.postgres;
  await cluster.postgres.stop();
  await composer(owner).fill("sent while PostgreSQL is away");
  await composer(owner).press("Enter");
  // The message waits in the page's outbox, saying why, and is sent again by itself.
  const pending = pendingMessages(owner).filter({ hasText: "sent while PostgreSQL is away" });
  await expect(pending).toContainText("cannot reach its store (PostgreSQL)");
  await expect(composer(owner)).toHaveValue("");
  // A page opened during the outage still joins: the room is live on its node, which
  // answers the join from its window without reading the database.
  await visitor.reload();
  await expectConnected(visitor);

  restartedPostgres = await startPostgresServer({ dir: path.join(dataDir, "postgres"), port });
  // Resent with the same clientId until PostgreSQL answers: stored once.
  await expect(pending).toHaveCount(0, { timeout: 20_000 });
  await expectConnected(visitor);
  await expect(messageWith(owner, "sent while PostgreSQL is away")).toHaveCount(1);
  await expect(messageWith(visitor, "sent while PostgreSQL is away")).toHaveCount(1);
});
