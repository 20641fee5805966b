// Sends people who may not see a page elsewhere: anonymous ones to /login, non-admins
// away from admin pages, signed-in ones away from the login and signup forms.

import { useRouter } from "next/router";
import { useEffect } from "react";

import type { User } from "./api-types";
import { useSession } from "./session";

export type Audience = "user" | "admin" | "guest";

/** The signed-in user when this page is for them, else null (while loading or redirecting). */
export function useAuthGuard(audience: Audience): User | null {
  const { session } = useSession();
  const router = useRouter();

  const target =
    session.status === "anonymous" && audience !== "guest"
      ? "/login/"
      : session.status === "authenticated" && audience === "guest"
        ? "/chat/"
        : session.status === "authenticated" && audience === "admin" && session.user.role !== "admin"
          ? "/chat/"
          : null;

  useEffect(() => {
    if (target) void router.replace(target);
  }, [target, router]);

  if (target || session.status !== "authenticated") return null;
  return session.user;
}
