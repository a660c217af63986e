// The top bar of the ordinary pages: the name of the site and who you are.
import Link from "next/link";
import { IdentityBar } from "./IdentityBar";

export function SiteHeader() {
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        Livechat
      </Link>
      <IdentityBar />
    </header>
  );
}
