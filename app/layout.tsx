// The document shell every page shares: language, title, viewport, global styles.
import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Livechat", template: "%s · Livechat" },
  description: "Type a room name and you are in it: a self-hostable realtime chat.",
  // public/manifest.webmanifest; the icon it names is app/icon.svg, which Next serves at /icon.svg.
  manifest: "/manifest.webmanifest",
  // iOS takes its home-screen icon from here, not from the manifest (PNGs in public/, drawn from app/icon.svg).
  icons: { apple: "/apple-touch-icon.png" },
};

export const viewport: Viewport = {
  width: "device-width",
  initialScale: 1,
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f6f7f9" },
    { media: "(prefers-color-scheme: dark)", color: "#0f1318" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        {children}
      </body>
    </html>
  );
}
