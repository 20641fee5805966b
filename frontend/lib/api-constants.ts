// Values of the API's contract (docs/api.md) that the frontend needs at run time; its types are
// generated (lib/api-types.ts).

/** Limits from docs/api.md, checked client-side so people see the problem before a round trip. */
export const LIMITS = {
  usernameMin: 3,
  usernameMax: 32,
  usernamePattern: /^[A-Za-z0-9_.-]+$/,
  passwordMinBytes: 8,
  passwordMaxBytes: 72,
  roomNameMax: 64,
  topicMax: 250,
  messageMax: 4000,
  historyPage: 50,
  searchMin: 2,
  searchMax: 200,
  emojiMax: 32,
} as const;

/** WebSocket close codes the server uses (docs/api.md). */
export const CLOSE_CODES = {
  unauthorized: 4401,
  forbidden: 4403,
  noSuchRoom: 4404,
  tooBig: 1009,
  policy: 1008,
} as const;
