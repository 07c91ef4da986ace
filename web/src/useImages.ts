import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { fetchRecords } from "./api";
import { loadIds, saveIds } from "./storage";
import type { Accepted, ImageRecord } from "./types";

/** Every ~2 s while any row is pending, one request refreshes all of them. */
export const POLL_INTERVAL_MS = 2000;

export interface ImageRow extends ImageRecord {
  /** false until the status service has answered for this id (a placeholder from localStorage or a 202). */
  loaded: boolean;
  /** This image was submitted again: the server answered with the existing record. */
  resubmitted: boolean;
}

function placeholder(id: number, url = ""): ImageRow {
  return { id, url, status: "pending", shots: [], skipped: [], people: null, ambiguous: false, error: null, loaded: false, resubmitted: false };
}

const needsRefresh = (row: ImageRow) => !row.loaded || row.status === "pending";

/**
 * The table's rows: this browser's images (ids kept in localStorage), refreshed from the status service while any
 * is pending or not yet loaded. `onRefreshError` hears about the first failure of a run of failed refreshes.
 */
export function useImages(onRefreshError: (error: unknown) => void) {
  const [rows, setRows] = useState<Map<number, ImageRow>>(() => new Map(loadIds().map((id) => [id, placeholder(id)])));
  const [refreshes, setRefreshes] = useState(0);
  const failuresInARow = useRef(0);
  const reportError = useRef(onRefreshError);
  reportError.current = onRefreshError;

  const idsKey = [...rows.keys()].join(",");
  useEffect(() => saveIds(rows.keys()), [idsKey]);

  const toRefresh = useMemo(() => [...rows.values()].filter(needsRefresh).map((row) => row.id), [rows]);
  const refreshKey = toRefresh.join(",");
  const hasUnloaded = [...rows.values()].some((row) => !row.loaded);

  useEffect(() => {
    if (!refreshKey) return;
    const ids = refreshKey.split(",").map(Number);
    let cancelled = false;
    // Rows not loaded yet are fetched at once; pending ones, and retries after a failure, wait the interval.
    const delay = hasUnloaded && failuresInARow.current === 0 ? 0 : POLL_INTERVAL_MS;
    const timer = setTimeout(async () => {
      try {
        const records = await fetchRecords(ids);
        if (cancelled) return;
        const byId = new Map(records.map((record) => [record.id, record]));
        setRows((current) => {
          const next = new Map(current);
          for (const id of ids) {
            const row = current.get(id);
            if (!row) continue;
            const record = byId.get(id);
            // An id the server does not know (another database, a deleted record) leaves the table.
            if (record) next.set(id, { ...record, loaded: true, resubmitted: row.resubmitted });
            else next.delete(id);
          }
          return next;
        });
        failuresInARow.current = 0;
      } catch (error) {
        if (cancelled) return;
        failuresInARow.current += 1;
        if (failuresInARow.current === 1) reportError.current(error);
      }
      setRefreshes((count) => count + 1);
    }, delay);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [refreshKey, refreshes]);

  /** Rows for images the server accepted; a duplicate marks the existing row instead of adding one. */
  const addAccepted = useCallback((items: Accepted[]) => {
    if (items.length === 0) return;
    setRows((current) => {
      const next = new Map(current);
      for (const item of items) {
        const row = current.get(item.id) ?? placeholder(item.id, item.url);
        next.set(item.id, { ...row, resubmitted: row.resubmitted || item.duplicate });
      }
      return next;
    });
  }, []);

  const rowList = useMemo(() => [...rows.values()], [rows]);
  return { rows: rowList, addAccepted };
}
