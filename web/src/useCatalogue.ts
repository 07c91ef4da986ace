import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { ApiError, EVENTS_URL, fetchCatalogue, fetchCounts, fetchRecords, fetchSession } from "./api";
import type { Accepted, CataloguePage, ImageEvent, ImageRecord, Status, StatusCounts } from "./types";

/** While the live stream is down, pending rows are asked for this often. */
export const POLL_INTERVAL_MS = 2000;
/** A stream the server refused is opened again after this long, doubling up to RECONNECT_MAX_MS. */
export const RECONNECT_MS = 1000;
const RECONNECT_MAX_MS = 30_000;
/** Counts the events cannot keep right (an image not on the page changed) are read again after this long. */
export const COUNTS_REFRESH_MS = 2000;

export interface ImageRow extends ImageRecord {
  /** false until the server has answered for this id (a row for a 202 whose record is not read yet). */
  loaded: boolean;
  /** This image was submitted again: the server answered with the existing record. */
  resubmitted: boolean;
}

/** The server processes an image again once it is processed or failed (a pending one answers 409). */
export const canReprocess = (row: ImageRow) => row.loaded && row.status !== "pending";

export interface Filter {
  status: Status | "";
  q: string;
}

/** connecting: the stream is opening; live: events arrive; reconnecting: the stream is down and rows are polled. */
export type Live = "connecting" | "live" | "reconnecting";

/** The server's search: the name or the URL contains the text, in any case. */
export function matchesSearch(record: Pick<ImageRecord, "name" | "url">, q: string): boolean {
  const text = q.trim().toLowerCase();
  return !text || (record.name ?? "").toLowerCase().includes(text) || record.url.toLowerCase().includes(text);
}

const matchesFilter = (record: ImageRecord, filter: Filter) =>
  (!filter.status || record.status === filter.status) && matchesSearch(record, filter.q);

function placeholder(item: Accepted): ImageRow {
  return { id: item.id, name: "", url: item.url, status: item.status, shots: [], skipped: [], people: null, ambiguous: false, preset: "", cutout: false, upscale: false, error: null, loaded: false, resubmitted: item.duplicate };
}

interface State {
  rows: Map<number, ImageRow>;
  counts: StatusCounts | null;
  next: string | null;
  /** The highest id the list has seen: an event for a higher one is a new image. */
  newest: number;
  /** Bumped when the counts may be wrong; a refresh follows. */
  staleCounts: number;
}

type Action =
  | { type: "page"; page: CataloguePage; append: boolean }
  | { type: "counts"; counts: StatusCounts | null }
  | { type: "record"; record: ImageRecord; filter: Filter }
  | { type: "deleted"; id: number }
  | { type: "accepted"; items: Accepted[] };

const EMPTY: State = { rows: new Map(), counts: null, next: null, newest: 0, staleCounts: 0 };

function countsWith(counts: StatusCounts | null, status: Status, change: number): StatusCounts | null {
  return counts && { ...counts, [status]: Math.max(0, counts[status] + change) };
}

function reduce(state: State, action: Action): State {
  switch (action.type) {
    case "page": {
      const rows = action.append ? new Map(state.rows) : new Map<number, ImageRow>();
      for (const item of action.page.items) rows.set(item.id, { ...item, loaded: true, resubmitted: rows.get(item.id)?.resubmitted ?? false });
      const newest = Math.max(state.newest, ...action.page.items.map((item) => item.id));
      return { ...state, rows, counts: action.page.counts ?? state.counts, next: action.page.next, newest };
    }
    case "counts":
      return { ...state, counts: action.counts };
    case "record": {
      const { record, filter } = action;
      const old = state.rows.get(record.id);
      const rows = new Map(state.rows);
      let { counts, newest, staleCounts } = state;
      // A row made for a 202 counts once its record is read; a resubmitted duplicate was counted already.
      const isNew = record.id > state.newest || (old !== undefined && !old.loaded && !old.resubmitted);
      if (old?.loaded) {
        counts = countsWith(countsWith(counts, old.status, -1), record.status, +1);
      } else if (isNew || old !== undefined) {
        if (isNew && matchesSearch(record, filter.q)) counts = countsWith(counts, record.status, +1);
        newest = Math.max(newest, record.id);
      } else {
        staleCounts += 1; // an older image the page does not show changed: its old status is unknown here
      }
      // Shown if it matches the filter and falls among the rows loaded (new ones on top, none past the last page).
      const oldest = Math.min(...[...state.rows.keys()]);
      const inRange = isNew || old !== undefined || state.next === null || record.id > oldest;
      if (matchesFilter(record, filter) && inRange) rows.set(record.id, { ...record, loaded: true, resubmitted: old?.resubmitted ?? false });
      else rows.delete(record.id);
      return { ...state, rows, counts, newest, staleCounts };
    }
    case "deleted": {
      const old = state.rows.get(action.id);
      if (!old) return { ...state, staleCounts: state.staleCounts + 1 };
      const rows = new Map(state.rows);
      rows.delete(action.id);
      return { ...state, rows, counts: old.loaded ? countsWith(state.counts, old.status, -1) : state.counts };
    }
    case "accepted": {
      const rows = new Map(state.rows);
      for (const item of action.items) {
        const row = rows.get(item.id);
        rows.set(item.id, row ? { ...row, resubmitted: row.resubmitted || item.duplicate } : placeholder(item));
      }
      return { ...state, rows };
    }
  }
}

/**
 * The shared catalogue as the page shows it: GET /api/images a page at a time (newest first, filtered by status and
 * search), kept up to date by the server's events (GET /api/events). While the stream is down the page says so,
 * polls its pending rows with ?ids=, and reads the list again once the stream is back (events may have been missed).
 */
export function useCatalogue(filter: Filter, onError: (error: unknown) => void) {
  const [state, dispatch] = useReducer(reduce, EMPTY);
  const [live, setLive] = useState<Live>("connecting");
  const [loading, setLoading] = useState(true);
  const filterRef = useRef(filter);
  filterRef.current = filter;
  const stateRef = useRef(state);
  stateRef.current = state;
  const reportError = useRef(onError);
  reportError.current = onError;
  const generation = useRef(0);

  const countedFor = useRef<string | null>(null);

  const loadFirst = useCallback(async () => {
    const ask = ++generation.current;
    const { status, q } = filterRef.current;
    setLoading(true);
    if (countedFor.current !== q) dispatch({ type: "counts", counts: null });
    countedFor.current = q;
    try {
      const page = await fetchCatalogue({ status: status || undefined, q });
      if (ask === generation.current) dispatch({ type: "page", page, append: false });
    } catch (error) {
      if (ask === generation.current) reportError.current(error);
    } finally {
      if (ask === generation.current) setLoading(false);
    }
    // The counts after the rows, never holding them up: counting a large catalogue is the slow part (and a
    // database that runs one query at a time would make the rows wait behind it).
    fetchCounts(q)
      .then((counts) => ask === generation.current && dispatch({ type: "counts", counts }))
      .catch(() => undefined);
  }, []);

  useEffect(() => {
    void loadFirst();
  }, [filter.status, filter.q, loadFirst]);

  const loadMore = useCallback(async () => {
    const cursor = stateRef.current.next;
    if (!cursor) return;
    const ask = generation.current;
    setLoading(true);
    try {
      const page = await fetchCatalogue({ status: filterRef.current.status || undefined, q: filterRef.current.q, cursor });
      if (ask === generation.current) dispatch({ type: "page", page, append: true });
    } catch (error) {
      reportError.current(error);
    } finally {
      if (ask === generation.current) setLoading(false);
    }
  }, []);

  const apply = useCallback((event: ImageEvent) => {
    if ("deleted" in event) dispatch({ type: "deleted", id: event.id });
    else dispatch({ type: "record", record: event, filter: filterRef.current });
  }, []);

  /** Reads these ids (the stream was down, or a 202 just came): a record that is gone leaves the list. */
  const refresh = useCallback(
    async (ids: number[]) => {
      if (ids.length === 0) return;
      const records = await fetchRecords(ids);
      const found = new Set(records.map((record) => record.id));
      records.forEach(apply);
      ids.filter((id) => !found.has(id)).forEach((id) => apply({ id, deleted: true }));
    },
    [apply],
  );

  // The live stream; when it broke, the list is read again on reconnecting.
  useEffect(() => {
    if (typeof EventSource === "undefined") {
      setLive("reconnecting");
      return;
    }
    let source: EventSource | null = null;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let delay = RECONNECT_MS;
    let dropped = false;
    const connect = () => {
      const opened = new EventSource(EVENTS_URL);
      source = opened;
      opened.addEventListener("image", (message) => apply(JSON.parse((message as MessageEvent<string>).data) as ImageEvent));
      opened.onopen = () => {
        setLive("live");
        delay = RECONNECT_MS;
        if (!dropped) return;
        dropped = false;
        const shown = [...stateRef.current.rows.keys()];
        void loadFirst().then(() => refresh(shown).catch(() => undefined));
      };
      opened.onerror = () => {
        setLive("reconnecting");
        dropped = true;
        if (opened.readyState === EventSource.CLOSED) {
          // Refused (a 503, say): the browser gives up on it, so a new one is opened after a while. An
          // EventSource does not tell the status: the session route says whether it was a 401 (the page then
          // asks for a key, and opens the stream again once signed in).
          opened.close();
          void fetchSession()
            .then(
              () => true,
              (error: unknown) => !(error instanceof ApiError && error.status === 401),
            )
            .then((retry) => {
              if (!retry || stopped) return;
              timer = setTimeout(connect, delay);
              delay = Math.min(delay * 2, RECONNECT_MAX_MS);
            });
        }
      };
    };
    let stopped = false;
    connect();
    return () => {
      stopped = true;
      clearTimeout(timer);
      source?.close();
    };
  }, [apply, loadFirst, refresh]);

  // The fallback while the stream is down: the pending rows (and rows not read yet), every POLL_INTERVAL_MS.
  const waiting = [...state.rows.values()].filter((row) => row.status === "pending" || !row.loaded).map((row) => row.id);
  const waitingKey = waiting.join(",");
  useEffect(() => {
    if (live !== "reconnecting" || !waitingKey) return;
    const timer = setInterval(() => void refresh(waitingKey.split(",").map(Number)).catch(() => undefined), POLL_INTERVAL_MS);
    return () => clearInterval(timer);
  }, [live, waitingKey, refresh]);

  // Counts that events could not keep right are read again (once per burst of such events).
  useEffect(() => {
    if (state.staleCounts === 0) return;
    const timer = setTimeout(async () => {
      try {
        dispatch({ type: "counts", counts: await fetchCounts(filterRef.current.q) });
      } catch {
        // the next change tries again
      }
    }, COUNTS_REFRESH_MS);
    return () => clearTimeout(timer);
  }, [state.staleCounts]);

  /** Rows for images the server accepted (a duplicate marks its row); each is read at once. */
  const addAccepted = useCallback(
    (items: Accepted[]) => {
      if (items.length === 0) return;
      dispatch({ type: "accepted", items });
      void refresh(items.map((item) => item.id)).catch((error) => reportError.current(error));
    },
    [refresh],
  );

  const rows = [...state.rows.values()].sort((a, b) => b.id - a.id);
  return { rows, counts: state.counts, hasMore: state.next !== null, loading, live, loadMore, addAccepted, apply };
}
