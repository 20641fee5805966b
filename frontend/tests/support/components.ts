// Props the component tests do not look at.

export const noop = () => undefined;
export const asyncNoop = async () => undefined;

/** MessageList's callbacks, all doing nothing: spread them, then override the one under test. */
export const messageListCallbacks = {
  onLoadOlder: noop,
  onRetry: noop,
  onDiscard: noop,
  onEdit: asyncNoop,
  onDelete: asyncNoop,
};
