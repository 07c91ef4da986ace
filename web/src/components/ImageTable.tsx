import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
} from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { viewsZipUrl } from "../api";
import type { ImageRow } from "../useCatalogue";
import type { Reach, Status } from "../types";
import { VIEWS } from "../views";
import type { OpenImage } from "./Lightbox";

const STATUS_TEXT: Record<Status, string> = { pending: "Pending", processed: "Processed", failed: "Failed" };

/** Under the length view's thumbnail: how far down the body it goes, so a full-length view tells from a 3/4 one. */
const REACH_TEXT: Record<Reach, string> = {
  feet: "head to feet",
  knees: "down to the knees",
  thighs: "down to the thighs",
  hips: "down to the hips",
};

/** A URL the browser can show: the record's url is the pasted address or the uploaded original under /media/. */
const isDisplayable = (url: string) => /^(https?:\/\/|\/)/i.test(url);

/** An uploaded original lives in the store under /media/ on the page's own origin; a pasted URL is elsewhere. */
function isUpload(url: string): boolean {
  try {
    return new URL(url, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

function Thumbnail({ image, onOpen }: { image: OpenImage; onOpen: (image: OpenImage) => void }) {
  // A URL that does not answer with an image (a failed fetch's 404, say) gets a plain box, not a broken icon.
  const [broken, setBroken] = useState(false);
  if (broken) {
    return <span className="thumb thumb-missing">no preview</span>;
  }
  return (
    <button type="button" className="thumb" onClick={() => onOpen(image)} aria-label={`Open ${image.label} of image #${image.imageId} full size`}>
      <img src={image.url} alt="" loading="lazy" onError={() => setBroken(true)} />
    </button>
  );
}

function StatusCell({ row }: { row: ImageRow }) {
  if (!row.loaded) {
    return (
      <span className="status status-pending">
        <span className="spinner" aria-hidden="true" /> Loading…
      </span>
    );
  }
  return (
    <div>
      <span className={`status status-${row.status}`}>
        {row.status === "pending" && <span className="spinner" aria-hidden="true" />}
        {STATUS_TEXT[row.status]}
      </span>
      {row.status === "failed" && <p className="reason">{row.error || "no reason was recorded"}</p>}
      {row.status === "processed" && row.people !== null && row.people > 1 && (
        <p className="note">{row.people} people in the photo</p>
      )}
      {row.status === "processed" && row.ambiguous && (
        <p className="note note-warn" title="Another person in the photo is as likely to be its subject as the one the views show">
          several people: check the views
        </p>
      )}
    </div>
  );
}

function ViewCell({ row, label, onOpen }: { row: ImageRow; label: (typeof VIEWS)[number]; onOpen: (image: OpenImage) => void }) {
  const shot = row.shots.find((candidate) => candidate.label === label.label);
  if (shot) {
    return (
      <figure className="view">
        <Thumbnail image={{ url: shot.url, label: label.title, imageId: row.id, width: shot.width, height: shot.height }} onOpen={onOpen} />
        <figcaption>
          {shot.width} × {shot.height}
          {shot.reach && <span className="reach">{REACH_TEXT[shot.reach]}</span>}
          {shot.padded && (
            <span className="badge badge-warn" title="The photo was too small for this view: white fills the part past its edge">
              padded
            </span>
          )}
          {shot.lowResolution && (
            <span className="badge badge-warn" title="The cut is smaller than a catalogue view should be">
              low resolution
            </span>
          )}
        </figcaption>
      </figure>
    );
  }
  const skipped = row.skipped.find((candidate) => candidate.label === label.label);
  if (skipped) return <p className="reason skipped">Skipped: {skipped.reason}</p>;
  if (row.status === "pending") return <span className="placeholder" aria-label="not ready yet" />;
  return <span className="none">—</span>;
}

const column = createColumnHelper<ImageRow>();

/** What a row's buttons do; each gets the row it was pressed on. */
export interface RowActions {
  onOpen: (image: OpenImage) => void;
  onReprocess: (row: ImageRow) => void;
  onDelete: (row: ImageRow) => void;
  onSelect: (id: number, selected: boolean) => void;
}

function ActionsCell({ row, actions }: { row: ImageRow; actions: RowActions }) {
  const label = row.name || `image #${row.id}`;
  return (
    <div className="row-actions">
      {row.shots.length > 0 && (
        <a className="button button-small" href={viewsZipUrl(row.id)} download aria-label={`Download the views of ${label} as ZIP`}>
          ZIP
        </a>
      )}
      <button
        type="button"
        className="button button-small"
        disabled={!row.loaded || row.status === "pending"}
        onClick={() => actions.onReprocess(row)}
        aria-label={`Process ${label} again`}
      >
        Re-process
      </button>
      <button type="button" className="button button-small button-danger-text" disabled={!row.loaded} onClick={() => actions.onDelete(row)} aria-label={`Delete ${label}`}>
        Delete
      </button>
    </div>
  );
}

/** What the cells read at render time (through the table's meta), so the columns themselves never change: a new
 * column definition would mount its cells afresh (thumbnails reloading, focus lost). */
interface TableMeta {
  selected: ReadonlySet<number>;
  actions: RowActions;
  selectAll: (on: boolean) => void;
  allSelected: boolean;
}

const metaOf = (table: { options: { meta?: unknown } }) => table.options.meta as TableMeta;

export function ImageTable({ rows, selected, actions }: { rows: ImageRow[]; selected: ReadonlySet<number>; actions: RowActions }) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "id", desc: true }]);
  const { onOpen } = actions;
  const meta: TableMeta = {
    selected,
    actions,
    allSelected: rows.length > 0 && rows.every((row) => selected.has(row.id)),
    selectAll: (on) => rows.forEach((row) => actions.onSelect(row.id, on)),
  };

  const columns = useMemo(
    () => [
      column.display({
        id: "select",
        header: ({ table }) => (
          <input
            type="checkbox"
            aria-label="Select every image listed"
            checked={metaOf(table).allSelected}
            onChange={(event) => metaOf(table).selectAll(event.target.checked)}
          />
        ),
        cell: ({ row: { original: row }, table }) => (
          <input
            type="checkbox"
            aria-label={`Select ${row.name || `image #${row.id}`}`}
            checked={metaOf(table).selected.has(row.id)}
            onChange={(event) => metaOf(table).actions.onSelect(row.id, event.target.checked)}
          />
        ),
      }),
      column.display({
        id: "original",
        header: "Image",
        cell: ({ row: { original: row } }) =>
          isDisplayable(row.url) ? (
            <Thumbnail image={{ url: row.url, label: "Original", imageId: row.id }} onOpen={onOpen} />
          ) : (
            <span className="none">—</span>
          ),
      }),
      column.accessor("id", {
        header: "ID",
        sortDescFirst: true,
        cell: ({ row: { original: row } }) => (
          <div>
            {row.name && (
              <p className="image-name" title={row.name}>
                {row.name}
              </p>
            )}
            <span className="image-id">#{row.id}</span>
            {row.resubmitted && (
              <span className="badge badge-info" title="You submitted this image again; this is its existing row">
                resubmitted
              </span>
            )}
            {row.url && (
              <p className="source" title={row.url}>
                {isUpload(row.url) ? "uploaded photo" : row.url}
              </p>
            )}
          </div>
        ),
      }),
      column.accessor("status", {
        header: "Status",
        cell: ({ row: { original: row } }) => <StatusCell row={row} />,
      }),
      ...VIEWS.map((view) =>
        column.display({
          id: view.label,
          header: view.title,
          cell: ({ row: { original: row } }) => <ViewCell row={row} label={view} onOpen={onOpen} />,
        }),
      ),
      column.display({
        id: "actions",
        header: "Actions",
        cell: ({ row: { original: row }, table }) => <ActionsCell row={row} actions={metaOf(table).actions} />,
      }),
    ],
    [onOpen],
  );

  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting },
    meta,
    onSortingChange: setSorting,
    getRowId: (row) => String(row.id),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });

  const visibleRows = table.getRowModel().rows;

  return (
    <>
      {rows.length === 0 ? (
        <p className="empty">No images here: upload photos or paste image URLs above.</p>
      ) : (
        <div className="table-scroll">
          <table className="images">
            <thead>
              {table.getHeaderGroups().map((group) => (
                <tr key={group.id}>
                  {group.headers.map((header) => {
                    const sorted = header.column.getIsSorted();
                    const title = flexRender(header.column.columnDef.header, header.getContext());
                    return (
                      <th
                        key={header.id}
                        scope="col"
                        aria-sort={sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : undefined}
                      >
                        {header.column.getCanSort() ? (
                          <button type="button" className="sort" onClick={header.column.getToggleSortingHandler()}>
                            {title}
                            <span aria-hidden="true" className="sort-mark">
                              {sorted === "asc" ? "▲" : sorted === "desc" ? "▼" : "↕"}
                            </span>
                          </button>
                        ) : (
                          title
                        )}
                      </th>
                    );
                  })}
                </tr>
              ))}
            </thead>
            <tbody>
              {visibleRows.map((row) => (
                <tr
                  key={row.id}
                  className={row.original.resubmitted ? "resubmitted" : undefined}
                  data-image-id={row.original.id}
                  data-status={row.original.loaded ? row.original.status : "loading"}
                >
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className={`cell-${cell.column.id}`} data-label={String(cell.column.columnDef.header)}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
