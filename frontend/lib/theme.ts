// The colour theme: the system's (prefers-color-scheme), or light or dark as chosen on the
// settings page. The choice is kept in localStorage and applied as <html data-theme> before
// the first paint by THEME_SCRIPT (pages/_document.tsx), so a dark page never flashes white.

export type ThemeChoice = "system" | "light" | "dark";

export const THEME_CHOICES: readonly { value: ThemeChoice; label: string }[] = [
  { value: "system", label: "System" },
  { value: "light", label: "Light" },
  { value: "dark", label: "Dark" },
];

export const THEME_KEY = "chat.theme";

/** A stored value read back: anything unknown (or nothing) is "system". */
export function parseTheme(value: unknown): ThemeChoice {
  return value === "light" || value === "dark" ? value : "system";
}

/** The data-theme attribute for a choice: none for "system" (the media query decides). */
export function themeAttribute(choice: ThemeChoice): "light" | "dark" | null {
  return choice === "system" ? null : choice;
}

/** The theme actually shown for a choice, given whether the system prefers dark. */
export function resolvedTheme(choice: ThemeChoice, systemPrefersDark: boolean): "light" | "dark" {
  if (choice === "system") return systemPrefersDark ? "dark" : "light";
  return choice;
}

function storage(): Storage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null; // storage blocked (privacy settings): the system theme then
  }
}

export function readTheme(): ThemeChoice {
  try {
    return parseTheme(storage()?.getItem(THEME_KEY));
  } catch {
    return "system";
  }
}

/** Sets <html data-theme> for a choice. */
export function applyTheme(choice: ThemeChoice, root: HTMLElement | null = typeof document === "undefined" ? null : document.documentElement): void {
  if (!root) return;
  const attribute = themeAttribute(choice);
  if (attribute) root.setAttribute("data-theme", attribute);
  else root.removeAttribute("data-theme");
}

/** Remembers and applies a choice. */
export function saveTheme(choice: ThemeChoice): void {
  try {
    const store = storage();
    if (choice === "system") store?.removeItem(THEME_KEY);
    else store?.setItem(THEME_KEY, choice);
  } catch {
    // not remembered; still applied for this page
  }
  applyTheme(choice);
}

/** Runs inline in <head> before anything paints (kept tiny and dependency-free). */
export const THEME_SCRIPT = `try{var t=localStorage.getItem(${JSON.stringify(THEME_KEY)});if(t==="light"||t==="dark")document.documentElement.setAttribute("data-theme",t)}catch(e){}`;
