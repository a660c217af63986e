// The sign-in and register pages: one layout, the form in either mode, and a link
// to the other that keeps where the visitor was going.
import Link from "next/link";
import { AuthForm } from "./AuthForm";
import { ServedBy } from "./ServedBy";
import { SiteHeader } from "./SiteHeader";
import { safeNextPath } from "../utils/safe-next";
import { servingNode } from "../utils/serving-node";

export type SearchParams = Promise<Record<string, string | string[] | undefined>>;

const COPY = {
  login: { heading: "Sign in", prompt: "New here?", other: "/register", otherLabel: "Register" },
  register: { heading: "Register", prompt: "Already have an account?", other: "/login", otherLabel: "Sign in" },
} as const;

export async function AuthPage({ mode, searchParams }: { mode: "login" | "register"; searchParams: SearchParams }) {
  const next = safeNextPath((await searchParams).next);
  const node = await servingNode();
  const query = next === "/" ? "" : `?next=${encodeURIComponent(next)}`;
  const copy = COPY[mode];
  return (
    <div className="page">
      <SiteHeader />
      <main id="main" className="auth">
        <h1>{copy.heading}</h1>
        <AuthForm mode={mode} next={next} />
        <p className="auth-switch">
          {copy.prompt} <Link href={`${copy.other}${query}`}>{copy.otherLabel}</Link>
        </p>
      </main>
      <ServedBy node={node} />
    </div>
  );
}
