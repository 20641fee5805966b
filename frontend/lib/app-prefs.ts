// Small layout choices remembered on this device (the member panel, the public rooms list).

export const PREF_KEYS = {
  membersOpen: "chat.membersPanelOpen",
  publicRoomsOpen: "chat.publicRoomsOpen",
} as const;

export function readFlag(key: string, fallback: boolean): boolean {
  try {
    const value = typeof window === "undefined" ? null : window.localStorage.getItem(key);
    return value === "1" ? true : value === "0" ? false : fallback;
  } catch {
    return fallback;
  }
}

export function writeFlag(key: string, value: boolean): void {
  try {
    window.localStorage.setItem(key, value ? "1" : "0");
  } catch {
    // not remembered: storage blocked
  }
}
