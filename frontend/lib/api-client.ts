// The one HTTP transport of the app: base URL, bearer header, token refresh and error
// normalisation. Typed endpoints are in chat-api.ts; nothing else calls fetch.

import { ApiError, errorFromResponse, networkError } from "./api-error";
import type { TokenPair } from "./api-types";
import { signOutReasonOfError, type SignOutReason } from "./sign-out-reason";
import { localTokenStorage, type TokenStorage } from "./token-storage";

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** Sent as a JSON body. */
  json?: unknown;
  /** Sent as application/x-www-form-urlencoded (the OAuth2 token endpoint wants this). */
  form?: Record<string, string>;
  /** Whether to send the access token (default true). */
  auth?: boolean;
}

export interface RefreshOptions {
  /**
   * The reason to give if the server refuses the refresh token as "not valid" (the device's
   * login is gone), when the caller knows better than the default "signed out from another
   * device" (see use-room-socket: a bare 4403 close followed by that refusal is a deactivation).
   */
  revokedReason?: SignOutReason;
}

export interface UploadOptions {
  /** Bytes sent so far, of `total` (the whole request body). */
  onProgress?(sent: number, total: number): void;
  signal?: AbortSignal;
}

/** Runs `task` while holding a lock shared by every tab of this origin. */
export type CrossTabLock = <T>(name: string, task: () => Promise<T>) => Promise<T>;

export interface ApiClientOptions {
  /** "" means same origin, which is how the backend serves the app. */
  baseUrl?: string;
  fetch?: typeof fetch;
  storage?: TokenStorage;
  now?: () => number;
  /** Refresh when the access token has less than this left (ms). */
  refreshMarginMs?: number;
  lock?: CrossTabLock;
  /** Makes the XMLHttpRequest of an upload (fetch cannot report upload progress). */
  xhr?: () => XMLHttpRequest;
}

/** `reason` is set when the session ended because the server refused it (null otherwise). */
type TokenListener = (accessToken: string | null, reason: SignOutReason | null) => void;

const API_PREFIX = "/api/v1";
const DEFAULT_REFRESH_MARGIN_MS = 60_000;
const REFRESH_LOCK = "chat.token-refresh";

/**
 * Refresh tokens rotate and a spent one presented again revokes the whole login (docs/api.md),
 * so two tabs must never refresh with the same token at once. The Web Locks API serialises
 * them; whoever goes second reads the token the first one stored.
 */
const webLock: CrossTabLock = <T>(name: string, task: () => Promise<T>): Promise<T> => {
  const locks = typeof navigator === "undefined" ? undefined : navigator.locks;
  return locks ? (locks.request(name, task) as Promise<T>) : task();
};

export class ApiClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly storage: TokenStorage;
  private readonly now: () => number;
  private readonly refreshMarginMs: number;
  private readonly lock: CrossTabLock;
  private readonly xhr: () => XMLHttpRequest;

  private access: { token: string; expiresAt: number } | null = null;
  /** The single in-flight refresh every caller awaits. */
  private refreshing: Promise<string> | null = null;
  /** RefreshOptions.revokedReason of any caller of the in-flight refresh. */
  private revokedReason: SignOutReason | null = null;
  private refreshTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly listeners = new Set<TokenListener>();

  constructor(options: ApiClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? "";
    // Bound so that `window.fetch` is not called with the client as `this`.
    this.fetchImpl = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.storage = options.storage ?? localTokenStorage();
    this.now = options.now ?? Date.now;
    this.refreshMarginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
    this.lock = options.lock ?? webLock;
    this.xhr = options.xhr ?? (() => new XMLHttpRequest());
  }

  // ---- session --------------------------------------------------------------------

  /** True when a refresh token is kept, i.e. a reload can restore the session. */
  hasSession(): boolean {
    return this.storage.get() !== null;
  }

  async login(username: string, password: string): Promise<void> {
    const pair = await this.request<TokenPair>("POST", "/token", {
      form: { username, password },
      auth: false,
    });
    this.storePair(pair);
  }

  /** Revokes the refresh token's family on the server, then forgets both tokens. */
  async logout(): Promise<void> {
    const refreshToken = this.storage.get();
    try {
      if (refreshToken) {
        await this.request("POST", "/logout", { json: { refresh_token: refreshToken }, auth: false });
      }
    } finally {
      this.forget();
    }
  }

  /**
   * Drops the tokens locally, e.g. when another tab logged out or the refresh was refused;
   * `reason` says why when the server ended the session (listeners tell the person).
   */
  forget(reason: SignOutReason | null = null): void {
    const hadToken = this.access !== null || this.storage.get() !== null;
    this.access = null;
    this.storage.remove();
    this.clearTimer();
    if (hadToken) this.emit(null, reason);
  }

  /** A valid access token, refreshed first when it is missing or about to expire. */
  async getAccessToken(): Promise<string> {
    if (this.access && this.access.expiresAt - this.now() > this.refreshMarginMs) {
      return this.access.token;
    }
    return this.refresh();
  }

  /** Called with every new access token, and with null (and maybe a reason) when the session ends. */
  onTokenChange(listener: TokenListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** One refresh at a time per tab (and per origin, through the lock); callers share it. */
  refresh(options: RefreshOptions = {}): Promise<string> {
    if (options.revokedReason) this.revokedReason = options.revokedReason;
    this.refreshing ??= this.lock(REFRESH_LOCK, () => this.exchangeRefreshToken()).finally(() => {
      this.refreshing = null;
      this.revokedReason = null;
    });
    return this.refreshing;
  }

  private async exchangeRefreshToken(): Promise<string> {
    // Read inside the lock: another tab may have rotated it while this one waited.
    const refreshToken = this.storage.get();
    if (!refreshToken) {
      this.forget();
      throw new ApiError(401, "Not signed in.");
    }
    const res = await this.send("POST", "/token/refresh", { json: { refresh_token: refreshToken } }, null);
    if (!res.ok) {
      const error = await errorFromResponse(res);
      // A refused token means the session is over; a 5xx or 429 does not (keep it, retry later).
      if (error.status === 401 || error.status === 403) {
        const reason = signOutReasonOfError(error) ?? "ended";
        this.forget(reason === "signed-out-elsewhere" ? (this.revokedReason ?? reason) : reason);
      }
      throw error;
    }
    const pair = (await res.json()) as TokenPair;
    // Stored before this task returns, i.e. before the lock is released: the tab that takes
    // the lock next must read the new refresh token, never the one just spent.
    this.storePair(pair);
    return pair.access_token;
  }

  private storePair(pair: TokenPair): void {
    // First, and with nothing awaited since the answer was read: the old refresh token is spent
    // on the server from now on, so nothing (a listener, a reload) may see it stored any longer.
    this.storage.set(pair.refresh_token);
    this.access = { token: pair.access_token, expiresAt: this.now() + pair.expires_in * 1000 };
    this.scheduleRefresh(pair.expires_in * 1000);
    this.emit(pair.access_token);
  }

  /**
   * Refreshes ahead of expiry even when no HTTP call is made, so open WebSockets get a new
   * token (they are closed with 4401 once theirs expires).
   */
  private scheduleRefresh(lifetimeMs: number): void {
    this.clearTimer();
    const delay = Math.max(lifetimeMs - this.refreshMarginMs - 5_000, 5_000);
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = null;
      this.refresh().catch(() => {
        // Network down: the next call or the socket's reconnect will try again.
      });
    }, delay);
  }

  private clearTimer(): void {
    if (this.refreshTimer !== null) clearTimeout(this.refreshTimer);
    this.refreshTimer = null;
  }

  private emit(token: string | null, reason: SignOutReason | null = null): void {
    for (const listener of this.listeners) listener(token, reason);
  }

  // ---- requests -------------------------------------------------------------------

  async request<T = void>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    const token = auth ? await this.getAccessToken() : null;
    let res = await this.send(method, path, options, token);
    if (res.status === 401 && auth) {
      // Retry once. If another call already replaced the token this one used, reuse that
      // one instead of spending the refresh token again.
      const current = this.access?.token;
      const fresh = current && current !== token ? current : await this.refresh();
      res = await this.send(method, path, options, fresh);
    }
    if (!res.ok) {
      const error = await errorFromResponse(res);
      // "account is deactivated" (403) or "this device was signed out" (401, even after the
      // retry): the server ended the session, not just this call.
      const reason = auth ? signOutReasonOfError(error) : null;
      if (reason) this.forget(reason);
      throw error;
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  get<T>(path: string, query?: Record<string, QueryValue>): Promise<T> {
    return this.request<T>("GET", path, { query });
  }

  post<T = void>(path: string, json?: unknown): Promise<T> {
    return this.request<T>("POST", path, { json });
  }

  patch<T>(path: string, json: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { json });
  }

  delete<T = void>(path: string): Promise<T> {
    return this.request<T>("DELETE", path);
  }

  /**
   * POSTs a multipart body with progress (an XMLHttpRequest: fetch cannot tell how much of a
   * request went out), bearer auth, one retry after a refresh on 401, and errors as ApiError
   * like every other call. An aborted upload rejects with an AbortError.
   */
  async upload<T>(path: string, form: FormData, options: UploadOptions = {}): Promise<T> {
    const token = await this.getAccessToken();
    let res = await this.sendXhr(path, form, token, options);
    if (res.status === 401) {
      const current = this.access?.token;
      const fresh = current && current !== token ? current : await this.refresh();
      res = await this.sendXhr(path, form, fresh, options);
    }
    if (!res.ok) {
      const error = await errorFromResponse(res);
      const reason = signOutReasonOfError(error);
      if (reason) this.forget(reason);
      throw error;
    }
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  private sendXhr(path: string, form: FormData, token: string, options: UploadOptions): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const { signal, onProgress } = options;
      if (signal?.aborted) {
        reject(new DOMException("The upload was cancelled.", "AbortError"));
        return;
      }
      const xhr = this.xhr();
      const onAbort = () => xhr.abort();
      xhr.open("POST", this.url(path));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("Authorization", `Bearer ${token}`);
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress?.(event.loaded, event.total);
      };
      xhr.onload = () => {
        signal?.removeEventListener("abort", onAbort);
        const headers = new Headers();
        for (const name of ["Content-Type", "Retry-After"]) {
          const value = xhr.getResponseHeader(name);
          if (value !== null) headers.set(name, value);
        }
        const status = xhr.status;
        if (status < 200 || status > 599) {
          reject(networkError(new Error(`upload answered ${status}`)));
          return;
        }
        resolve(new Response(status === 204 ? null : xhr.responseText, { status, statusText: xhr.statusText, headers }));
      };
      xhr.onerror = () => {
        signal?.removeEventListener("abort", onAbort);
        reject(networkError(new Error("upload failed")));
      };
      xhr.onabort = () => {
        signal?.removeEventListener("abort", onAbort);
        reject(new DOMException("The upload was cancelled.", "AbortError"));
      };
      signal?.addEventListener("abort", onAbort);
      xhr.send(form);
    });
  }

  private async send(
    method: string,
    path: string,
    options: RequestOptions,
    token: string | null,
  ): Promise<Response> {
    const headers: Record<string, string> = { Accept: "application/json" };
    let body: string | undefined;
    if (options.form) {
      headers["Content-Type"] = "application/x-www-form-urlencoded";
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await this.fetchImpl(this.url(path, options.query), { method, headers, body });
    } catch (cause) {
      throw networkError(cause);
    }
  }

  private url(path: string, query?: Record<string, QueryValue>): string {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) params.set(key, String(value));
    }
    const search = params.toString();
    return `${this.baseUrl}${API_PREFIX}${path}${search ? `?${search}` : ""}`;
  }
}
