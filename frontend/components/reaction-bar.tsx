import { useState } from "react";

import { describeError } from "../lib/api-error";
import type { Reaction } from "../lib/api-types";
import { reactionLabel } from "../lib/reactions";
import { EmojiPicker } from "./emoji-picker";

interface ReactionBarProps {
  messageId: number;
  reactions: readonly Reaction[];
  /** The emoji picker is open (opened from the message's "Add reaction" button). */
  picking: boolean;
  onPicked(): void;
  onReact(messageId: number, emoji: string, on: boolean): Promise<void>;
}

/** A message's reactions (press one to join or leave it) and, when open, the emoji picker. */
export function ReactionBar({ messageId, reactions, picking, onPicked, onReact }: ReactionBarProps) {
  const [error, setError] = useState<string | null>(null);
  if (reactions.length === 0 && !picking && !error) return null;

  const toggle = async (emoji: string, on: boolean) => {
    setError(null);
    onPicked();
    try {
      await onReact(messageId, emoji, on);
    } catch (err) {
      setError(describeError(err));
    }
  };

  return (
    <div className="reactions" role="group" aria-label="Reactions">
      {reactions.map((reaction) => (
        <button
          key={reaction.emoji}
          type="button"
          className={reaction.me ? "reaction mine" : "reaction"}
          aria-pressed={reaction.me}
          aria-label={reactionLabel(reaction)}
          title={reaction.me ? "Take back your reaction" : "React with this too"}
          onClick={() => void toggle(reaction.emoji, !reaction.me)}
        >
          <span aria-hidden="true">{reaction.emoji}</span> <span aria-hidden="true">{reaction.count}</span>
        </button>
      ))}
      {picking && (
        <EmojiPicker
          label="Pick a reaction"
          // An emoji already mine is taken back, as pressing its chip would.
          onPick={(emoji) => void toggle(emoji, !reactions.some((r) => r.emoji === emoji && r.me))}
          onClose={onPicked}
        />
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
