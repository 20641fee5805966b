// Whether a CSS media query matches, kept up to date as it changes (a tablet's keyboard docked,
// a window moved to another screen). False where there is no window (the static export's
// prerender) or no matchMedia (old browsers, jsdom).

import { useCallback, useSyncExternalStore } from "react";

/** A touch screen is the main pointer: phones and tablets, where the on-screen keyboard's
 *  Return is the only way to start a new line. A narrow desktop window is not one. */
export const TOUCH_QUERY = "(pointer: coarse)";

function mediaQuery(query: string): MediaQueryList | null {
  return typeof window !== "undefined" && typeof window.matchMedia === "function" ? window.matchMedia(query) : null;
}

export function useMediaQuery(query: string): boolean {
  const subscribe = useCallback(
    (onChange: () => void) => {
      const list = mediaQuery(query);
      list?.addEventListener("change", onChange);
      return () => list?.removeEventListener("change", onChange);
    },
    [query],
  );
  return useSyncExternalStore(
    subscribe,
    () => mediaQuery(query)?.matches ?? false,
    () => false,
  );
}
