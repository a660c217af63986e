// Which node served this page: the custom server stamps every page request
// with `x-livechat-node`. For server components only.
import { headers } from "next/headers";

export async function servingNode(): Promise<string> {
  return (await headers()).get("x-livechat-node") ?? "unknown";
}
