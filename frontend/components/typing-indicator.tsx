import { typingText, type Typist } from "../lib/presence";

/** Always rendered, so the composer does not jump when someone starts typing. */
export function TypingIndicator({ typists }: { typists: readonly Typist[] }) {
  return (
    <p className="typing-indicator" aria-live="polite">
      {typingText(typists)}
    </p>
  );
}
