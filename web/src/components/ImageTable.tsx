import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnFiltersState,
  type SortingState,
} from "@tanstack/react-table";
import { useMemo, useState } from "react";
import type { ImageRow } from "../useImages";
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

const STATUS_FILTERS: Array<{ value: "" | Status; text: string }> = [
  { value: "", text: "All" },
  { value: "pending", text: "Pending" },
  { value: "processed", text: "Processed" },
  { value: "failed", text: "Failed" },
];

export function ImageTable({ rows, onOpen }: { rows: ImageRow[]; onOpen: (image: OpenImage) => void }) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "id", desc: true }]);
  const [columnFilters, setColumnFilters] = useState<ColumnFiltersState>([]);

  const columns = useMemo(
    () => [
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
        filterFn: "equals",
        cell: ({ row: { original: row } }) => <StatusCell row={row} />,
      }),
      ...VIEWS.map((view) =>
        column.display({
          id: view.label,
          header: view.title,
          cell: ({ row: { original: row } }) => <ViewCell row={row} label={view} onOpen={onOpen} />,
        }),
      ),
    ],
    [onOpen],
  );

  const table = useReactTable({
    data: rows,
    columns,
    state: { sorting, columnFilters },
    onSortingChange: setSorting,
    onColumnFiltersChange: setColumnFilters,
    getRowId: (row) => String(row.id),
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
  });

  const statusColumn = table.getColumn("status")!;
  const statusFilter = (statusColumn.getFilterValue() as Status | undefined) ?? "";
  const counts = rows.reduce<Record<string, number>>((acc, row) => ({ ...acc, [row.status]: (acc[row.status] ?? 0) + 1 }), {});
  const visibleRows = table.getRowModel().rows;

  return (
    <section className="table-section" aria-labelledby="images-heading">
      <div className="table-toolbar">
        <h2 id="images-heading">Your images</h2>
        <label className="filter">
          Show
          <select value={statusFilter} onChange={(event) => statusColumn.setFilterValue(event.target.value || undefined)}>
            {STATUS_FILTERS.map(({ value, text }) => (
              <option key={text} value={value}>
                {text} ({value ? (counts[value] ?? 0) : rows.length})
              </option>
            ))}
          </select>
        </label>
      </div>
      {rows.length === 0 ? (
        <p className="empty">No images yet: upload photos or paste image URLs above.</p>
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
                <tr key={row.id} className={row.original.resubmitted ? "resubmitted" : undefined} data-image-id={row.original.id} data-status={row.original.status}>
                  {row.getVisibleCells().map((cell) => (
                    <td key={cell.id} className={`cell-${cell.column.id}`} data-label={String(cell.column.columnDef.header)}>
                      {flexRender(cell.column.columnDef.cell, cell.getContext())}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {visibleRows.length === 0 && <p className="empty">No {statusFilter} images.</p>}
        </div>
      )}
    </section>
  );
}
