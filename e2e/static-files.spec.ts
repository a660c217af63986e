// The static files in public/ and the app icon, served by Next through the custom
// server: the web app manifest the pages link to (allowed by their policy), robots.txt,
// favicon.ico (drawn from app/icon.svg at 16, 32 and 48 pixels).
import { expect, test } from "./fixtures";

test("every page links to the web app manifest, which names the app and its icon", async ({ request }) => {
  const page = await (await request.get("/")).text();
  expect(page).toMatch(/<link rel="manifest" href="\/manifest\.webmanifest"/);
  const response = await request.get("/manifest.webmanifest");
  expect(response.status()).toBe(200);
  const manifest = (await response.json()) as { name: string; start_url: string; icons: { src: string }[] };
  expect(manifest).toMatchObject({ name: "Livechat", start_url: "/" });
  for (const icon of manifest.icons) expect((await request.get(icon.src)).status(), icon.src).toBe(200);
  expect(response.headers()["content-security-policy"]).toContain("manifest-src 'self'");
});

test("robots.txt keeps crawlers out of the rooms and the API", async ({ request }) => {
  const response = await request.get("/robots.txt");
  expect(response.status()).toBe(200);
  const text = await response.text();
  expect(text).toContain("Disallow: /rooms/");
  expect(text).toContain("Disallow: /api/");
});

test("the app icon is served as SVG", async ({ request }) => {
  const response = await request.get("/icon.svg");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("image/svg+xml");
});

test("/favicon.ico, which browsers ask for whatever the page links, is the app icon", async ({ request }) => {
  const response = await request.get("/favicon.ico");
  expect(response.status()).toBe(200);
  // An ICO file: reserved 0, type 1 (icon), then how many images it holds.
  const bytes = await response.body();
  expect([bytes.readUInt16LE(0), bytes.readUInt16LE(2), bytes.readUInt16LE(4)]).toEqual([0, 1, 3]);
});
