// Where the refresh token lives between page loads. The access token never comes here:
// it stays in memory (see README "Where tokens are kept").

export interface TokenStorage {
  get(): string | null;
  set(token: string): void;
  remove(): void;
}

export const REFRESH_TOKEN_KEY = "chat.refresh_token";

/** localStorage-backed storage; a no-op during the static prerender, where there is no window. */
export function localTokenStorage(key: string = REFRESH_TOKEN_KEY): TokenStorage {
  const store = (): Storage | null => (typeof window === "undefined" ? null : window.localStorage);
  return {
    get: () => store()?.getItem(key) ?? null,
    set: (token) => store()?.setItem(key, token),
    remove: () => store()?.removeItem(key),
  };
}

/** In-memory storage, for tests and for browsers that refuse localStorage. */
export function memoryTokenStorage(initial: string | null = null): TokenStorage {
  let value = initial;
  return {
    get: () => value,
    set: (token) => {
      value = token;
    },
    remove: () => {
      value = null;
    },
  };
}
