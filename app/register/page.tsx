// Create an account: the name becomes yours, and guests can no longer use it.
import type { Metadata } from "next";
import { AuthPage, type SearchParams } from "../components/AuthPage";

export const metadata: Metadata = { title: "Register" };

export default function RegisterPage({ searchParams }: { searchParams: SearchParams }) {
  return <AuthPage mode="register" searchParams={searchParams} />;
}
