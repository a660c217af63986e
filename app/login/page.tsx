// Sign in with an existing account.
import type { Metadata } from "next";
import { AuthPage, type SearchParams } from "../components/AuthPage";

export const metadata: Metadata = { title: "Sign in" };

export default function LoginPage({ searchParams }: { searchParams: SearchParams }) {
  return <AuthPage mode="login" searchParams={searchParams} />;
}
