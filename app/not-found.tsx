// Any address that names no page.
import Link from "next/link";
import { SiteHeader } from "./components/SiteHeader";

export default function NotFound() {
  return (
    <div className="page">
      <SiteHeader />
      <main id="main" className="notice-page">
        <h1>Page not found</h1>
        <p>There is nothing at this address.</p>
        <p>
          <Link href="/">Back to Livechat</Link>
        </p>
      </main>
    </div>
  );
}
