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
import { findPreset, madeWithExtras, presetTitle, type ServerPresets } from "../presets";
import { canReprocess, type ImageRow } from "../useCatalogue";
import type { Reach, Shot, Status } from "../types";
import { CUTOUT, isDisplayable, VIEWS } from "../views";
import { ORIGINAL, type OpenImage } from "./Lightbox";

const STATUS_TEXT: Record<Status, string> = { pending: "Pending", processed: "Processed", failed: "Failed" };

/** Under the length view's thumbnail: how far down the body it goes, so a full-length view tells from a 3/4 one. */
const REACH_TEXT: Record<Reach, string> = {
  feet: "head to feet",
  knees: "down to the knees",
  thighs: "down to the thighs",
  hips: "down to the hips",
};

/** An uploaded original lives in the store under /media/ on the page's own origin; a pasted URL is elsewhere. */
function isUpload(url: string): boolean {
  try {
    return new URL(url, window.location.href).origin === window.location.origin;
  } catch {
    return false;
  }
}

const openLabel = (title: string, imageId: number) => `Open ${title} of image #${imageId} full size`;

/** A picture of the row that opens the lightbox on it; `notes` (what of the preset it misses) mark its corner. */
function Thumbnail({ url, title, imageId, notes = [], onOpen }: { url: string; title: string; imageId: number; notes?: string[]; onOpen: () => void }) {
  // A URL that does not answer with an image (a failed fetch's 404, say) gets a plain box, not a broken icon.
  const [broken, setBroken] = useState(false);
  if (broken) {
    return <span className="thumb thumb-missing">no preview</span>;
  }
  return (
    <button type="button" className="thumb" onClick={onOpen} aria-label={openLabel(title, imageId)}>
      <img src={url} alt="" loading="lazy" onError={() => setBroken(true)} />
      {notes.length > 0 && (
        <span className="thumb-marker" title={notes.join("\n")} aria-hidden="true">
          !
        </span>
      )}
    </button>
  );
}

/** The output preset the row's views follow, its rules on hover. */
function PresetNote({ row, presets }: { row: ImageRow; presets: ServerPresets }) {
  const rules = findPreset(presets, row.preset)?.rules.join("; ");
  return (
    <p className="note preset" title={rules}>
      Preset: <span className="preset-name">{presetTitle(presets, row.preset)}</span>
      {madeWithExtras(row)}
    </p>
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
  // The cut-out is no column: the on-white view's cell opens it (it is the same box, on transparency).
  const cutout: Shot | undefined = label.label === "onwhite" ? row.shots.find((candidate) => candidate.label === CUTOUT) : undefined;
  if (shot) {
    return (
      <figure className="view">
        <Thumbnail url={shot.url} title={label.title} imageId={row.id} notes={shot.notes} onOpen={() => onOpen({ record: row, shown: shot.label })} />
        <figcaption>
          {shot.width} × {shot.height}
          {shot.reach && <span className="reach">{REACH_TEXT[shot.reach]}</span>}
          {shot.notes.length > 0 && <span className="visually-hidden">Misses the preset: {shot.notes.join("; ")}</span>}
          {shot.padded && (
            <span className="badge badge-warn" title="The photo was too small for this view: white fills the part past its edge">
              padded
            </span>
          )}
          {shot.upscaled && (
            <span className="badge badge-warn" title="Written larger than the photo's own pixels, to reach the preset's minimum size">
              upscaled
            </span>
          )}
          {shot.lowResolution && (
            <span className="badge badge-warn" title="The cut is smaller than a catalogue view should be">
              low resolution
            </span>
          )}
          {cutout && (
            <button type="button" className="button button-small cutout-open" onClick={() => onOpen({ record: row, shown: CUTOUT })} aria-label={openLabel(cutout.title, row.id)}>
              + {cutout.title}
            </button>
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
        disabled={!canReprocess(row)}
        onClick={() => actions.onReprocess(row)}
        aria-label={`Re-process ${label}…`}
        aria-haspopup="dialog"
      >
        Re-process…
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
  presets: ServerPresets;
  selected: ReadonlySet<number>;
  actions: RowActions;
  selectAll: (on: boolean) => void;
  allSelected: boolean;
}

const metaOf = (table: { options: { meta?: unknown } }) => table.options.meta as TableMeta;

export function ImageTable({
  rows,
  presets,
  selected,
  actions,
}: {
  rows: ImageRow[];
  presets: ServerPresets;
  selected: ReadonlySet<number>;
  actions: RowActions;
}) {
  const [sorting, setSorting] = useState<SortingState>([{ id: "id", desc: true }]);
  const { onOpen } = actions;
  const meta: TableMeta = {
    presets,
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
            <Thumbnail url={row.url} title="Original" imageId={row.id} onOpen={() => onOpen({ record: row, shown: ORIGINAL })} />
          ) : (
            <span className="none">—</span>
          ),
      }),
      column.accessor("id", {
        header: "ID",
        sortDescFirst: true,
        cell: ({ row: { original: row }, table }) => (
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
            {row.loaded && <PresetNote row={row} presets={metaOf(table).presets} />}
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
                    <td key={cell.id} className={`cell-${cell.column.id}`} data-label={typeof cell.column.columnDef.header === "string" ? cell.column.columnDef.header : undefined}>
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
