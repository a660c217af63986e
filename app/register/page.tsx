// Create an account: the name becomes yours, and guests can no longer use it.
import type { Metadata } from "next";
import Link from "next/link";
import { AuthForm } from "../components/AuthForm";
import { ServedBy } from "../components/ServedBy";
import { SiteHeader } from "../components/SiteHeader";
import { safeNextPath } from "../utils/safe-next";
import { servingNode } from "../utils/serving-node";

export const metadata: Metadata = { title: "Register" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function RegisterPage({ searchParams }: { searchParams: SearchParams }) {
  const next = safeNextPath((await searchParams).next);
  const node = await servingNode();
  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  return (
    <div className="page">
      <SiteHeader />
      <main id="main" className="auth">
        <h1>Register</h1>
        <AuthForm mode="register" next={next} />
        <p className="auth-switch">
          Already have an account? <Link href={`/login${query}`}>Sign in</Link>
        </p>
      </main>
      <ServedBy node={node} />
    </div>
  );
}
