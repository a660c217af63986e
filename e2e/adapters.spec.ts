// One room over every adapter, with a real page in it: REST, gRPC and the page's
// own Socket.IO messages reach the page, an SSE stream and a gRPC Watch in one
// seq order, and a deletion shows on the open pages.
import { connectGrpc, openSse, watchedContents } from "../server/testing/test-clients";
import { connectionStatus, messages, openRoom, registerViaApi, sendMessage, chooseGuestNameViaApi } from "./chat";
import { E2E_GRPC_PORT } from "./env";
import { expect, randomSuffix, test } from "./fixtures";

test("a message sent by REST, by gRPC and from the page shows on the page, an SSE stream and a gRPC Watch in one seq order", async ({
  owner,
  room,
  baseURL,
}) => {
  await chooseGuestNameViaApi(owner, `pat_${randomSuffix()}`);
  await openRoom(owner, room);
  const sse = await openSse(`${baseURL}/api/rooms/${room}/stream`);
  const grpc = connectGrpc(`127.0.0.1:${E2E_GRPC_PORT}`);
  const watch = grpc.watch(room);
  try {
    await expect.poll(() => watch.events.length).toBe(1);

    const posted = await owner.request.post(`/api/rooms/${room}/messages`, { data: { content: "sent by REST" } });
    expect(posted.status()).toBe(201);
    await grpc.call("Send", { room, content: "sent by gRPC" }, { name: `grpc_${randomSuffix()}` });
    await sendMessage(owner, "sent from the page");

    const expected = ["sent by REST", "sent by gRPC", "sent from the page"];
    await expect(owner.getByTestId("message-content")).toHaveText(expected);
    await expect(messages(owner)).toHaveCount(3);
    await expect.poll(() => sse.latest()?.messages.map((m) => `${m.seq} ${m.content}`)).toEqual(expected.map((c, i) => `${i + 1} ${c}`));
    await expect.poll(() => watchedContents(watch)).toEqual(expected);
  } finally {
    sse.close();
    watch.cancel();
    grpc.close();
  }
});

test("the owner deletes the room and every open page shows it was deleted", async ({ owner, visitor, room }) => {
  await registerViaApi(owner, `own_${randomSuffix()}`, "correct horse battery");
  await openRoom(owner, room);
  await openRoom(visitor, room);
  await sendMessage(owner, "this room will go");
  await expect(messages(visitor)).toHaveCount(1);

  const refused = await visitor.request.delete(`/api/rooms/${room}`);
  expect(refused.status()).toBe(403);
  const deleted = await owner.request.delete(`/api/rooms/${room}`);
  expect(deleted.status()).toBe(204);

  for (const page of [owner, visitor]) {
    await expect(connectionStatus(page)).toHaveText("This room was deleted.");
    await expect(messages(page)).toHaveCount(0);
  }
});
