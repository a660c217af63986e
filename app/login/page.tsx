// Sign in with an existing account.
import type { Metadata } from "next";
import Link from "next/link";
import { AuthForm } from "../components/AuthForm";
import { ServedBy } from "../components/ServedBy";
import { SiteHeader } from "../components/SiteHeader";
import { safeNextPath } from "../utils/safe-next";
import { servingNode } from "../utils/serving-node";

export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  const next = safeNextPath((await searchParams).next);
  const node = await servingNode();
  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return (
    <div className="page">
      <SiteHeader />
      <main id="main" className="auth">
        <h1>Sign in</h1>
        <AuthForm mode="login" next={next} />
        <p className="auth-switch">
          New here? <Link href={`/register${query}`}>Register</Link>
        </p>
      </main>
      <ServedBy node={node} />
    </div>
  );
}
