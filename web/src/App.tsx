import { useCallback, useEffect, useMemo, useState, type DragEvent, type ReactNode } from "react";
import { deleteImage, fetchLimits, fetchSession, onSignInNeeded, reprocessImage, signOut, submitUrls, uploadImage } from "./api";
import { DEFAULT_MAX_UPLOAD_BYTES, fileProblem } from "./files";
import {
  actionFailedNotice,
  batchAcceptedNotice,
  batchFailedNotice,
  deletedNotice,
  describeError,
  invalidUrlsNotice,
  listFailedNotice,
  reprocessNotice,
  uploadNotice,
  type Notice,
} from "./messages";
import { NO_OPTIONS, type OutputOptions, type ReprocessOptions } from "./presets";
import { parseUrlList } from "./urls";
import { usePresets } from "./usePresets";
import { canReprocess, useCatalogue, type Filter, type ImageRow } from "./useCatalogue";
import type { Accepted } from "./types";
import { CatalogueToolbar } from "./components/CatalogueToolbar";
import { ConfirmDialog } from "./components/ConfirmDialog";
import { ImageTable, type RowActions } from "./components/ImageTable";
import { Lightbox, type OpenImage } from "./components/Lightbox";
import { OutputOptionsPanel } from "./components/OutputOptionsPanel";
import { ReprocessDialog } from "./components/ReprocessDialog";
import { SignInPanel } from "./components/SignInPanel";
import { Snackbar } from "./components/Snackbar";
import { UploadPanel } from "./components/UploadPanel";
import { UrlForm } from "./components/UrlForm";

const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes("Files");

/** The upload limit the server states; until it answers (or if it cannot), the server's default. */
function useUploadLimit(): number {
  const [maxBytes, setMaxBytes] = useState(DEFAULT_MAX_UPLOAD_BYTES);
  useEffect(() => {
    let current = true;
    // A failure here only skips the early check: the server still refuses an over-size upload, with its reason.
    fetchLimits()
      .then(({ maxUploadBytes }) => current && maxUploadBytes && setMaxBytes(maxUploadBytes))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, []);
  return maxBytes;
}

function AppHeader({ children }: { children?: ReactNode }) {
  return (
    <header className="app-header">
      <h1>PoseCraft</h1>
      <p>Garment views cut around the model's pose: neck, sleeve, zoomed, waist and length, and the model on white.</p>
      {children}
    </header>
  );
}

/** The signed-in key's name and the way out; a failed sign-out says why (the session is still on). */
function Account({ name, onSignOut }: { name: string; onSignOut: () => Promise<void> }) {
  const [problem, setProblem] = useState<string | null>(null);
  return (
    <div className="account">
      <span>
        Signed in as <strong>{name}</strong>
      </span>
      <button
        type="button"
        className="button button-small"
        onClick={() => onSignOut().catch((error: unknown) => setProblem(`Not signed out: ${describeError(error)}`))}
      >
        Sign out
      </button>
      {problem && <span role="alert">{problem}</span>}
    </div>
  );
}

/**
 * The page: the workspace, or the sign-in panel once any request answered 401 (keys are required and the page has
 * no session). Signing in mounts a fresh workspace, so the catalogue, the stream and the limits are read again.
 */
export function App() {
  const [needsKey, setNeedsKey] = useState(false);
  const [keyName, setKeyName] = useState<string | null>(null);
  const [sessions, setSessions] = useState(0);

  useEffect(() => onSignInNeeded(() => setNeedsKey(true)), []);
  useEffect(() => {
    // Only to name the key; a 401 here asks for one like any other, and other failures leave the name out.
    fetchSession()
      .then((session) => setKeyName(session.key))
      .catch(() => undefined);
  }, []);

  const signedIn = useCallback((name: string) => {
    setKeyName(name);
    setNeedsKey(false);
    setSessions((count) => count + 1);
  }, []);

  const leave = useCallback(async () => {
    await signOut();
    setKeyName(null);
    setNeedsKey(true);
  }, []);

  if (needsKey) {
    return (
      <div className="app">
        <AppHeader />
        <SignInPanel onSignedIn={signedIn} />
      </div>
    );
  }
  return <Workspace key={sessions} account={keyName && <Account name={keyName} onSignOut={leave} />} />;
}

function Workspace({ account }: { account: ReactNode }) {
  const maxUploadBytes = useUploadLimit();
  const presets = usePresets();
  const [notice, setNotice] = useState<Notice | null>(null);
  const [opened, setOpened] = useState<OpenImage | null>(null);
  const [uploading, setUploading] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [options, setOptions] = useState<OutputOptions>(NO_OPTIONS);
  const [filter, setFilter] = useState<Filter>({ status: "", q: "" });
  const [selected, setSelected] = useState<ReadonlySet<number>>(new Set());
  const [deleting, setDeleting] = useState<ImageRow | null>(null);
  // The images the re-process dialog asks about, and how many selected ones it leaves out (pending).
  const [reprocessing, setReprocessing] = useState<{ images: ImageRow[]; leftOut: number } | null>(null);
  const catalogue = useCatalogue(
    filter,
    useCallback((error: unknown) => setNotice(listFailedNotice(error)), []),
  );
  const { rows, addAccepted, apply } = catalogue;

  const closeNotice = useCallback(() => setNotice(null), []);
  const closeLightbox = useCallback(() => setOpened(null), []);
  const cancelDelete = useCallback(() => setDeleting(null), []);
  const cancelReprocess = useCallback(() => setReprocessing(null), []);

  // A selected row that left the list (deleted, filtered out) leaves the selection.
  const shownIds = rows.map((row) => row.id).join(",");
  useEffect(() => {
    const shown = new Set(shownIds.split(",").map(Number));
    setSelected((current) => ([...current].every((id) => shown.has(id)) ? current : new Set([...current].filter((id) => shown.has(id)))));
  }, [shownIds]);

  const actions = useMemo<RowActions>(
    () => ({
      onOpen: setOpened,
      onSelect: (id, on) =>
        setSelected((current) => {
          const next = new Set(current);
          if (on) next.add(id);
          else next.delete(id);
          return next;
        }),
      onDelete: setDeleting,
      onReprocess: (row) => setReprocessing({ images: [row], leftOut: 0 }),
    }),
    [],
  );

  const selectedRows = rows.filter((row) => selected.has(row.id));
  const reprocessable = selectedRows.filter(canReprocess);

  /** One request per image; each answer's status object (pending, naming its preset) replaces the row. */
  async function confirmReprocess(images: ImageRow[], options: ReprocessOptions) {
    setReprocessing(null);
    const results = await Promise.allSettled(images.map((image) => reprocessImage(image.id, options)));
    const queued: ImageRow[] = [];
    const failures: Array<{ image: ImageRow; reason: string }> = [];
    results.forEach((result, index) => {
      if (result.status === "fulfilled") {
        apply(result.value);
        queued.push(images[index]);
      } else {
        failures.push({ image: images[index], reason: describeError(result.reason) });
      }
    });
    setNotice(reprocessNotice(queued, failures));
  }

  async function confirmDelete(row: ImageRow) {
    setDeleting(null);
    try {
      await deleteImage(row.id);
      apply({ id: row.id, deleted: true });
      setNotice(deletedNotice(row));
    } catch (error) {
      setNotice(actionFailedNotice(`${row.name || `Image #${row.id}`} was not deleted`, error));
    }
  }

  async function uploadFiles(files: File[]) {
    if (files.length === 0) return;
    const failures: Array<{ name: string; reason: string }> = [];
    const sendable: File[] = [];
    for (const file of files) {
      const problem = fileProblem(file, maxUploadBytes);
      if (problem) failures.push({ name: file.name, reason: problem });
      else sendable.push(file);
    }
    setUploading((count) => count + sendable.length);
    const results = await Promise.allSettled(
      sendable.map((file) => uploadImage(file, options).finally(() => setUploading((count) => count - 1))),
    );
    const accepted: Accepted[] = [];
    results.forEach((result, index) => {
      if (result.status === "fulfilled") accepted.push(result.value);
      else failures.push({ name: sendable[index].name, reason: describeError(result.reason) });
    });
    addAccepted(accepted);
    setNotice(uploadNotice(accepted, failures));
  }

  async function sendUrls(text: string): Promise<boolean> {
    const { urls, invalid } = parseUrlList(text);
    if (invalid.length > 0) {
      setNotice(invalidUrlsNotice(invalid));
      return false;
    }
    try {
      const accepted = await submitUrls(urls, options);
      addAccepted(accepted);
      setNotice(batchAcceptedNotice(accepted));
      return true;
    } catch (error) {
      setNotice(batchFailedNotice(error));
      return false;
    }
  }

  return (
    <div
      className={dragging ? "app dragging" : "app"}
      onDragOver={(event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(event) => {
        // Moving onto a child also fires dragleave: only leaving the page ends the drag.
        if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDragging(false);
      }}
      onDrop={(event) => {
        if (!carriesFiles(event)) return;
        event.preventDefault();
        setDragging(false);
        void uploadFiles([...event.dataTransfer.files]);
      }}
    >
      <AppHeader>{account}</AppHeader>
      <main>
        <div className="inputs">
          <UploadPanel maxBytes={maxUploadBytes} uploading={uploading} onFiles={(files) => void uploadFiles(files)} />
          <UrlForm onSubmit={sendUrls} />
          <OutputOptionsPanel options={options} presets={presets} onChange={setOptions} />
        </div>
        <section className="table-section" aria-labelledby="images-heading" data-loading={catalogue.loading}>
          <CatalogueToolbar
            filter={filter}
            counts={catalogue.counts}
            live={catalogue.live}
            selected={[...selected]}
            reprocessable={reprocessable.length}
            onFilter={setFilter}
            onReprocessSelected={() => setReprocessing({ images: reprocessable, leftOut: selectedRows.length - reprocessable.length })}
            onClearSelection={() => setSelected(new Set())}
          />
          <ImageTable rows={rows} presets={presets} selected={selected} actions={actions} />
          {catalogue.hasMore && (
            <button type="button" className="button load-more" disabled={catalogue.loading} onClick={() => void catalogue.loadMore()}>
              {catalogue.loading ? "Loading…" : "Load more"}
            </button>
          )}
        </section>
      </main>
      {deleting && (
        <ConfirmDialog
          title={`Delete ${deleting.name || `image #${deleting.id}`}?`}
          text={`Image #${deleting.id}, its views and its uploaded original are removed for everyone on the team. This cannot be undone.`}
          confirm="Delete"
          danger
          onConfirm={() => void confirmDelete(deleting)}
          onCancel={cancelDelete}
        />
      )}
      {reprocessing && (
        <ReprocessDialog
          images={reprocessing.images}
          leftOut={reprocessing.leftOut}
          presets={presets}
          onConfirm={(options) => void confirmReprocess(reprocessing.images, options)}
          onCancel={cancelReprocess}
        />
      )}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          Drop photos to upload
        </div>
      )}
      {opened && <Lightbox image={opened} presets={presets} onClose={closeLightbox} />}
      <Snackbar notice={notice} onClose={closeNotice} />
    </div>
  );
}
