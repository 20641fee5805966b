import type { ClientFrame, ServerFrame } from "../../lib/api-types";
import type { WebSocketFactory, WebSocketLike } from "../../lib/app-socket";

/** A WebSocket whose "server side" the test drives: open, send frames, close with a code. */
export class FakeWebSocket implements WebSocketLike {
  readyState = 0;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  readonly sent: ClientFrame[] = [];
  closedByClient: { code?: number; reason?: string } | null = null;

  constructor(
    readonly url: string,
    readonly protocols: string[],
  ) {}

  get since(): string | null {
    return new URL(this.url).searchParams.get("since");
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data) as ClientFrame);
  }

  close(code?: number, reason?: string): void {
    this.closedByClient = { code, reason };
    this.readyState = 3;
  }

  // ---- the server's side ----

  accept(): void {
    this.readyState = 1;
    this.onopen?.(new Event("open"));
  }

  receive(frame: ServerFrame): void {
    this.onmessage?.(new MessageEvent("message", { data: JSON.stringify(frame) }));
  }

  receiveRaw(data: string): void {
    this.onmessage?.(new MessageEvent("message", { data }));
  }

  serverClose(code: number, reason = ""): void {
    this.readyState = 3;
    this.onclose?.({ code, reason } as CloseEvent);
  }
}

/** A factory that remembers every socket it made, newest last. */
export function fakeSocketFactory() {
  const sockets: FakeWebSocket[] = [];
  const create: WebSocketFactory = (url, protocols) => {
    const socket = new FakeWebSocket(url, protocols);
    sockets.push(socket);
    return socket;
  };
  return {
    create,
    sockets,
    get last(): FakeWebSocket {
      const socket = sockets.at(-1);
      if (!socket) throw new Error("no socket was opened");
      return socket;
    },
  };
}
