import type { KeysetList } from "../lib/keyset-list";

/** Why a list could not load, in words, with a way to try again. */
export function LoadFailure({ message, onRetry }: { message: string; onRetry(): void }) {
  return (
    <div className="load-error" role="alert">
      <p className="field-error">{message}</p>
      <button type="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

/** Under a searched, paged list: how much of it is shown, and "Load more" while there is more. */
export function ListFoot<T>({ list, noun }: { list: KeysetList<T>; noun: { one: string; many: string } }) {
  const count = list.items.length;
  return (
    <>
      <p className="sa-list-foot muted" role="status">
        {list.status === "loading"
          ? "Loading…"
          : count === 0
            ? list.query.trim()
              ? `No ${noun.one} matches that search.`
              : `No ${noun.many}.`
            : `${count} ${count === 1 ? noun.one : noun.many} shown${list.hasMore ? "" : ", all of them"}.`}
      </p>
      {list.hasMore && list.status !== "loading" && (
        <button type="button" className="sa-more" onClick={list.loadMore}>
          Load more {noun.many}
        </button>
      )}
    </>
  );
}
