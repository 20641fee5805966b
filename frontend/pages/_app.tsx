import type { AppProps } from "next/app";
import Head from "next/head";

import { SessionProvider } from "../lib/session";
import "../styles/globals.css";

export default function App({ Component, pageProps }: AppProps) {
  return (
    <SessionProvider>
      <Head>
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Chat</title>
      </Head>
      <Component {...pageProps} />
    </SessionProvider>
  );
}
