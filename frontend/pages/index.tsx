import { useRouter } from "next/router";
import { useEffect } from "react";

import { PageStatus } from "../components/page-status";
import { useSession } from "../lib/session";

/** `/` has no page of its own: chat for the signed in, login for everyone else. */
export default function IndexPage() {
  const { session } = useSession();
  const router = useRouter();

  useEffect(() => {
    if (session.status === "authenticated") void router.replace("/chat/");
    else if (session.status === "anonymous") void router.replace("/login/");
  }, [session.status, router]);

  return <PageStatus />;
}
