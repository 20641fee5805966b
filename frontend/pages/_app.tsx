import type { AppProps } from "next/app";
import Head from "next/head";
import type { ReactNode } from "react";

import { AppConnectionProvider } from "../lib/app-connection";
import { SessionProvider, useSession } from "../lib/session";
import "../styles/globals.css";

/** One live connection for every page while someone is signed in (none otherwise). */
function LiveConnection({ children }: { children: ReactNode }) {
  const { session } = useSession();
  const user = session.status === "authenticated" ? session.user : null;
  return (
    <AppConnectionProvider key={user?.id ?? "nobody"} user={user}>
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
