import type { AppProps } from "next/app";
import Head from "next/head";
import { useRouter } from "next/router";
import type { ReactNode } from "react";

import { AppConnectionProvider, useAppConnection } from "../lib/app-connection";
import { useMessageNotifications } from "../lib/use-message-notifications";
import { SessionProvider, useSession } from "../lib/session";
import "../styles/theme.css";
import "../styles/globals.css";
import "../styles/messages.css";
import "../styles/settings-admin.css";

/** Desktop notifications of new messages, on every page of the signed-in person. */
function MessageNotifications() {
  const router = useRouter();
  useMessageNotifications(useAppConnection(), (href) => void router.push(href));
  return null;
}

/** One live connection for every page while someone is signed in (none otherwise). */
function LiveConnection({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const user = session.status === "authenticated" ? session.user : null;
  return (
    <AppConnectionProvider key={user?.id ?? "nobody"} user={user}>
      <MessageNotifications />
      {children}
    </AppConnectionProvider>
  );
}

export default function App({ Component, pageProps }: AppProps) {
  return (
    <SessionProvider>
      <LiveConnection>
        <Head>
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>Chat</title>
        </Head>
        <Component {...pageProps} />
      </LiveConnection>
    </SessionProvider>
  );
}
