// The unit tests' shared set-up: import it from "./support".

export * from "./components";
export * from "./factories";
export * from "./fake-backend";
export * from "./fake-websocket";
export * from "./http";
export * from "./room-hook";
export * from "./timers";
