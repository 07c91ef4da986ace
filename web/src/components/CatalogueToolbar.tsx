import { useEffect, useState } from "react";
import { selectionZipUrl } from "../api";
import type { Status, StatusCounts } from "../types";
import type { Filter, Live } from "../useCatalogue";

/** The search box waits this long after the last key before asking the server. */
export const SEARCH_DELAY_MS = 300;

const STATUS_FILTERS: Array<{ value: "" | Status; text: string }> = [
  { value: "", text: "All" },
  { value: "pending", text: "Pending" },
  { value: "processed", text: "Processed" },
  { value: "failed", text: "Failed" },
];

const LIVE_TEXT: Record<Live, string> = {
  connecting: "Connecting…",
  live: "Live",
  reconnecting: "Reconnecting… (checking pending images every 2 s)",
};

export function CatalogueToolbar({
  filter,
  counts,
  live,
  selected,
  reprocessable,
  onFilter,
  onReprocessSelected,
  onClearSelection,
}: {
  filter: Filter;
  counts: StatusCounts | null;
  live: Live;
  selected: number[];
  /** How many of the selected images can be processed again (not pending). */
  reprocessable: number;
  onFilter: (filter: Filter) => void;
  onReprocessSelected: () => void;
  onClearSelection: () => void;
}) {
  const [text, setText] = useState(filter.q);
  useEffect(() => {
    if (text.trim() === filter.q) return;
    const timer = setTimeout(() => onFilter({ ...filter, q: text.trim() }), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [text, filter, onFilter]);

  const total = counts ? counts.pending + counts.processed + counts.failed : null;
  const count = (value: "" | Status) => (value ? counts?.[value] : total);

  return (
    <div className="table-toolbar">
      <h2 id="images-heading">Catalogue</h2>
      <label className="filter">
        Show
        <select value={filter.status} onChange={(event) => onFilter({ ...filter, status: event.target.value as Status | "" })}>
          {STATUS_FILTERS.map(({ value, text: label }) => (
            <option key={label} value={value}>
              {label}
              {count(value) === undefined || count(value) === null ? "" : ` (${count(value)})`}
            </option>
          ))}
        </select>
      </label>
      <label className="filter search">
        Search
        <input type="search" value={text} placeholder="file name or URL" onChange={(event) => setText(event.target.value)} />
      </label>
      {selected.length > 0 && (
        <div className="selection" role="group" aria-label="Selected images">
          <a className="button button-primary" href={selectionZipUrl(selected)} download>
            Download {selected.length} as ZIP
          </a>
          <button
            type="button"
            className="button"
            disabled={reprocessable === 0}
            title={reprocessable === 0 ? "Every selected image is pending: it can be processed again once it is done" : undefined}
            aria-haspopup="dialog"
            onClick={onReprocessSelected}
          >
            Re-process selected…
          </button>
          <button type="button" className="button" onClick={onClearSelection}>
            Clear selection
          </button>
        </div>
      )}
      <p className={`live live-${live}`} aria-live="polite">
        {LIVE_TEXT[live]}
      </p>
    </div>
  );
}
