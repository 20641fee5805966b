import type { NextConfig } from "next";
import { PHASE_DEVELOPMENT_SERVER } from "next/constants";

// The backend serves the static export at the same origin as the API, so production
// code only ever uses relative URLs. `next dev` runs on its own port: there, and only
// there, rewrites proxy the API and the WebSocket to the backend (rewrites are not
// supported by `output: "export"`, hence the phase switch).
const BACKEND_ORIGIN = process.env.BACKEND_ORIGIN ?? "http://127.0.0.1:8000";

export default function config(phase: string): NextConfig {
  const base: NextConfig = {
    reactStrictMode: true,
    trailingSlash: true,
    images: { unoptimized: true },
  };
  if (phase === PHASE_DEVELOPMENT_SERVER) {
    return {
      ...base,
      // trailingSlash would otherwise answer /api/v1/token with a 308 to /api/v1/token/
      // before the rewrite runs; the API's paths have no trailing slash.
      skipTrailingSlashRedirect: true,
      async rewrites() {
        return [
          { source: "/api/:path*", destination: `${BACKEND_ORIGIN}/api/:path*` },
          { source: "/ws/:path*", destination: `${BACKEND_ORIGIN}/ws/:path*` },
        ];
      },
    };
  }
  return { ...base, output: "export" };
}
