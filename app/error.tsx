"use client";
// Shown instead of a blank page when a page fails to render.
import Link from "next/link";

export default function ErrorPage({ retry }: { error: unknown; retry: () => void }) {
  return (
    <div className="page">
      <main id="main" className="notice-page">
        <h1>Something went wrong</h1>
        <p>The page could not be shown. This is usually brief.</p>
        <p>
          <button type="button" className="button primary" onClick={() => retry()}>
            Try again
          </button>
        </p>
        <p>
          <Link href="/">Back to Livechat</Link>
        </p>
      </main>
    </div>
  );
}
