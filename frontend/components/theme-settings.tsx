import { useState } from "react";

import { readTheme, saveTheme, THEME_CHOICES, type ThemeChoice } from "../lib/theme";

/** System / Light / Dark, remembered on this device and applied at once. */
export function ThemeSettings() {
  // Mounted only once signed in (after hydration), so localStorage can be read at once.
  const [choice, setChoice] = useState<ThemeChoice>(readTheme);

  return (
    <section id="appearance" className="sa-card theme-settings" aria-labelledby="theme-heading">
      <h2 id="theme-heading">Appearance</h2>
      <fieldset className="theme-choices">
        <legend>Theme</legend>
        {THEME_CHOICES.map((option) => (
          <label key={option.value} className="theme-choice">
            <input
              type="radio"
              name="theme"
              value={option.value}
              checked={choice === option.value}
              onChange={() => {
                setChoice(option.value);
                saveTheme(option.value);
              }}
            />
            {option.label}
          </label>
        ))}
      </fieldset>
      <p className="field-hint">System follows your device&apos;s light or dark setting. Kept on this device.</p>
    </section>
  );
}
