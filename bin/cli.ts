// `livechat <command>`: one entry for the server and the clients.
export {};

const USAGE = `Usage:
  livechat serve [--adapters web,grpc]   start the server (all adapters unless told)
  livechat chat <room> [--url URL] [--name NAME] [--login USER]
                                         chat in a room from the terminal`;

const [command = "serve", ...args] = process.argv.slice(2);

switch (command) {
  case "serve":
    if (args.length > 0) {
      console.error(USAGE);
      process.exit(2);
    }
    await import("../server/index");
    break;
  case "chat": {
    const { runChat } = await import("./chat");
    process.exit(await runChat(args));
    break;
  }
  default:
    console.error(USAGE);
    process.exit(command === "help" || command === "--help" ? 0 : 2);
}
