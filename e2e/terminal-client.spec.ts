// The terminal client (`livechat chat`, a real child process) and a browser page
// in one room: each sees the other's messages and comings and goings.
import { startChat } from "../bin/chat-process";
import { authorOf, chooseGuestNameViaApi, messageWith, openRoom, sendMessage } from "./chat";
import { expect, randomSuffix, test } from "./fixtures";

test("a browser page and the terminal client see each other's messages", async ({ owner, room, baseURL }) => {
  const pageName = `ann_${randomSuffix()}`;
  const terminalName = `term_${randomSuffix()}`;
  await chooseGuestNameViaApi(owner, pageName);
  await openRoom(owner, room);

  const terminal = startChat([room, "--url", baseURL!, "--name", terminalName]);
  try {
    await terminal.waitForLine(`[livechat] joined ${room} as ${terminalName} (guest); in the room: ${pageName}, ${terminalName}.`);
    await expect(owner.getByTestId("notice").filter({ hasText: `${terminalName} joined` })).toHaveCount(1);

    terminal.type("hello from the terminal");
    const onPage = messageWith(owner, "hello from the terminal");
    await expect(onPage).toHaveCount(1);
    await expect(authorOf(onPage)).toHaveText(terminalName);

    await sendMessage(owner, "hello from the browser");
    await terminal.waitForLine(`[${pageName}] hello from the browser`);

    terminal.type("exit");
    expect(await terminal.exited).toBe(0);
    await expect(owner.getByTestId("notice").filter({ hasText: `${terminalName} left` })).toHaveCount(1);
    expect(terminal.lines.filter((line) => line === `[${terminalName}] hello from the terminal`)).toHaveLength(1);
  } finally {
    terminal.kill();
  }
});
