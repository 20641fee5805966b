// The app's one WebSocket (`/ws`, docs/api.md), kept alive: authenticates with the access token
// as a subprotocol, reconnects with backoff, resumes with ?since=<the newest message id seen in
// any room> so nothing is missed or shown twice, pings to notice dead connections, and renews
// its token in place. Framework-free so it can be tested with a fake WebSocket; React binds it
// in app-connection.tsx.

import { ApiError } from "./api-error";
import { CLOSE_CODES } from "./api-constants";
import type { ClientFrame, ServerFrame } from "./api-types";
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff";

export type ConnectionStatus = "connecting" | "connected" | "reconnecting" | "offline";

/** The part of the browser's WebSocket this client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string, protocols: string[]) => WebSocketLike;

export interface AppSocketOptions {
  /** Resume point: only messages with a greater id are replayed on connect. */
  since?: number | null;
  /** A valid access token (refreshed by the API client when close to expiry). */
  getToken: () => Promise<string>;
  /** Forces a new access token, after the server closed with 4401. */
  renewToken: () => Promise<string>;
  onFrame: (frame: ServerFrame) => void;
  onStatus?: (status: ConnectionStatus) => void;
  /** The server refused the socket for good (4403: not allowed, e.g. a deactivated account;
   *  or the session is over); no more reconnects. */
  onClosedForGood?: (code: number, reason: string) => void;
  /** ws://host or wss://host; defaults to the page's own origin. */
  origin?: string;
  createSocket?: WebSocketFactory;
  backoff?: BackoffOptions;
  /** How often to ping; proxies and NATs drop idle connections after a minute or so. */
  pingIntervalMs?: number;
  /** No frame at all for this long after a ping: the connection is dead, reconnect. */
  pongTimeoutMs?: number;
}

const OPEN = 1;
/** Enough to recognise the replayed overlap after any reconnect (the server replays ≤ 1000). */
const SEEN_IDS_KEPT = 2000;

function defaultOrigin(): string {
  const { protocol, host } = window.location;
  return `${protocol === "https:" ? "wss" : "ws"}://${host}`;
}

const browserSocket: WebSocketFactory = (url, protocols) => new WebSocket(url, protocols);

export class AppSocket {
  private readonly options: AppSocketOptions;
  private readonly backoff: BackoffOptions;
  private ws: WebSocketLike | null = null;
  private status: ConnectionStatus | null = null;
  private stopped = true;
  private attempt = 0;
  /** The newest message id seen in any room: where a reconnect resumes. */
  private lastId: number | null;
  /** The current connection's hello said this is the newest message of all the rooms. */
  private helloLastId: number | null = null;
  private readonly seen = new Set<number>();
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private pongTimer: ReturnType<typeof setTimeout> | null = null;
  /** The last close was a 4401: one forced token renewal before trying again. */
  private renewBeforeConnect = false;

  constructor(options: AppSocketOptions) {
    this.options = options;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.lastId = options.since ?? null;
  }

  get connectionStatus(): ConnectionStatus | null {
    return this.status;
  }

  /** The id this socket would resume from. */
  get lastMessageId(): number | null {
    return this.lastId;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    if (typeof window !== "undefined") {
      window.addEventListener("online", this.handleOnline);
      window.addEventListener("offline", this.handleOffline);
    }
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (typeof window !== "undefined") {
      window.removeEventListener("online", this.handleOnline);
      window.removeEventListener("offline", this.handleOffline);
    }
    this.clearReconnect();
    this.detach(1000, "leaving");
  }

  /** Sends a frame if connected; false means it was not sent (the caller may queue it). */
  send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== OPEN || this.status !== "connected") return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Renews the open socket's authentication before its token expires. */
  sendAuth(token: string): void {
    this.send({ type: "auth", token });
  }

  /** Raises the resume point. */
  noteMessageId(id: number): void {
    if (this.lastId === null || id > this.lastId) this.lastId = id;
  }

  // ---- lifecycle ------------------------------------------------------------------

  private async connect(): Promise<void> {
    this.setStatus(this.attempt === 0 && this.status === null ? "connecting" : "reconnecting");
    let token: string;
    try {
      token = this.renewBeforeConnect ? await this.options.renewToken() : await this.options.getToken();
      this.renewBeforeConnect = false;
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        // The session is over (logged out elsewhere, deactivated): nothing to reconnect with.
        this.closedForGood(error.status === 401 ? CLOSE_CODES.unauthorized : CLOSE_CODES.forbidden, error.detail);
        return;
      }
      this.scheduleReconnect();
      return;
    }
    if (this.stopped) return;

    const origin = this.options.origin ?? defaultOrigin();
    const query = this.lastId === null ? "" : `?since=${this.lastId}`;
    const create = this.options.createSocket ?? browserSocket;
    this.helloLastId = null;
    // Browsers cannot set headers on a WebSocket; docs/api.md takes the token as a subprotocol.
    const ws = create(`${origin}/ws${query}`, ["bearer", token]);
    this.ws = ws;
    ws.onmessage = (event) => this.handleMessage(event);
    ws.onclose = (event) => this.handleClose(event.code, event.reason);
    ws.onerror = () => {
      // Always followed by a close event, which decides what to do.
    };
  }

  private handleMessage(event: MessageEvent): void {
    this.clearPongTimeout();
    let frame: ServerFrame;
    try {
      frame = JSON.parse(String(event.data)) as ServerFrame;
    } catch {
      return;
    }
    if (typeof frame !== "object" || frame === null || typeof frame.type !== "string") return;

    switch (frame.type) {
      case "hello":
        this.attempt = 0;
        this.helloLastId = frame.last_message_id;
        // A first connection (nothing to resume from) starts at the newest message there is.
        // A resumed one does not: its replay follows, and a drop in the middle of it must
        // resume from what actually arrived.
        if (this.lastId === null && frame.last_message_id !== null) this.noteMessageId(frame.last_message_id);
        this.setStatus("connected");
        this.startPing();
        break;
      case "message":
        if (!this.isNew(frame.message.id)) return;
        break;
      case "gap":
        // Too much was missed: nothing is replayed, the rooms named by gaps are paged over
        // HTTP instead. Everything up to hello's newest is theirs, so resume after it.
        if (this.helloLastId !== null) this.noteMessageId(this.helloLastId);
        break;
      case "pong":
        return;
    }
    this.options.onFrame(frame);
  }

  /** Dedupe: a replay after reconnect may overlap what was already delivered. */
  private isNew(id: number): boolean {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    if (this.seen.size > SEEN_IDS_KEPT) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.noteMessageId(id);
    return true;
  }

  private handleClose(code: number, reason: string): void {
    this.ws = null;
    this.stopPing();
    if (this.stopped) return;
    if (code === CLOSE_CODES.forbidden || code === CLOSE_CODES.noSuchRoom) {
      this.closedForGood(code, reason);
      return;
    }
    if (code === CLOSE_CODES.unauthorized) this.renewBeforeConnect = true;
    this.scheduleReconnect();
  }

  private closedForGood(code: number, reason: string): void {
    this.stopped = true;
    this.clearReconnect();
    this.setStatus("offline");
    this.options.onClosedForGood?.(code, reason);
  }

  private scheduleReconnect(): void {
    this.clearReconnect();
    const browserOffline = typeof navigator !== "undefined" && navigator.onLine === false;
    this.setStatus(browserOffline ? "offline" : "reconnecting");
    const delay = backoffDelay(this.attempt, this.backoff);
    this.attempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.connect();
    }, delay);
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  /** Drops the current socket without waiting for its close event (it may never come). */
  private detach(code: number, reason: string): void {
    this.stopPing();
    const ws = this.ws;
    this.ws = null;
    if (!ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    ws.onerror = null;
    ws.onopen = null;
    try {
      ws.close(code, reason);
    } catch {
      // Closing a socket that is still connecting throws in some browsers; it is gone anyway.
    }
  }

  private readonly handleOnline = (): void => {
    // Back online: try now instead of waiting out the backoff.
    if (this.reconnectTimer !== null) {
      this.clearReconnect();
      this.attempt = 0;
      void this.connect();
    } else if (this.ws?.readyState === OPEN && this.status === "offline") {
      this.setStatus("connected");
    }
  };

  private readonly handleOffline = (): void => {
    this.setStatus("offline");
  };

  // ---- heartbeat ------------------------------------------------------------------

  private startPing(): void {
    this.stopPing();
    const interval = this.options.pingIntervalMs ?? 25_000;
    this.pingTimer = setInterval(() => this.ping(), interval);
  }

  private ping(): void {
    if (!this.send({ type: "ping" })) return;
    if (this.pongTimer !== null) return;
    this.pongTimer = setTimeout(() => {
      this.pongTimer = null;
      // Half-open connection: the close event may take minutes, so give up on it now.
      this.detach(4000, "ping timeout");
      if (!this.stopped) this.scheduleReconnect();
    }, this.options.pongTimeoutMs ?? 10_000);
  }

  private clearPongTimeout(): void {
    if (this.pongTimer !== null) clearTimeout(this.pongTimer);
    this.pongTimer = null;
  }

  private stopPing(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    this.pingTimer = null;
    this.clearPongTimeout();
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.options.onStatus?.(status);
  }
}
