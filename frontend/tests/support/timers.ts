// Fake timers for a whole test file, and ways to let them run inside React's act().

import { act } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";

/** Every test of the file runs on fake timers. */
export function fakeTimersInEachTest(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}

/** Runs timers `ms` ahead, settling promises on the way, inside act(). */
export async function advance(ms: number): Promise<void> {
  await act(async () => {
    await vi.advanceTimersByTimeAsync(ms);
  });
}

/** Lets pending promises (answers of the fake fetch) settle, inside act(). */
export const flush = () => advance(0);
