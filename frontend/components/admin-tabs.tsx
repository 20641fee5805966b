import { useRef, type KeyboardEvent, type ReactNode } from "react";

export interface Tab {
  id: string;
  label: string;
  panel: ReactNode;
}

interface AdminTabsProps {
  label: string;
  tabs: Tab[];
  selected: string;
  onSelect(id: string): void;
}

/** ARIA tabs: one tab stop, arrow keys (and Home/End) move between tabs and show them. Every
 *  panel stays mounted, hidden, so a search typed in one is still there on coming back. */
export function AdminTabs({ label, tabs, selected, onSelect }: AdminTabsProps) {
  const buttons = useRef(new Map<string, HTMLButtonElement>());

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const index = tabs.findIndex((tab) => tab.id === selected);
    const next =
      event.key === "ArrowRight"
        ? (index + 1) % tabs.length
        : event.key === "ArrowLeft"
          ? (index - 1 + tabs.length) % tabs.length
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? tabs.length - 1
              : null;
    const id = next === null ? undefined : tabs[next]?.id;
    if (id === undefined) return;
    event.preventDefault();
    onSelect(id);
    buttons.current.get(id)?.focus();
  };

  return (
    <>
      <div role="tablist" aria-label={label} className="sa-tabs" onKeyDown={onKeyDown}>
        {tabs.map((tab) => (
          <button
            key={tab.id}
            ref={(node) => {
              if (node) buttons.current.set(tab.id, node);
              else buttons.current.delete(tab.id);
            }}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            aria-selected={tab.id === selected}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === selected ? 0 : -1}
            className="sa-tab"
            onClick={() => onSelect(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      {tabs.map((tab) => (
        <div
          key={tab.id}
          role="tabpanel"
          id={`panel-${tab.id}`}
          aria-labelledby={`tab-${tab.id}`}
          hidden={tab.id !== selected}
          className="sa-panel"
        >
          {tab.panel}
        </div>
      ))}
    </>
  );
}
