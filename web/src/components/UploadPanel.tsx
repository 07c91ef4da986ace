import { useId } from "react";
import { formatBytes } from "../files";

/** The file picker; the whole page also takes dropped files (App). */
export function UploadPanel({ maxBytes, uploading, onFiles }: { maxBytes: number; uploading: number; onFiles: (files: File[]) => void }) {
  const inputId = useId();
  return (
    <section className="panel upload" aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`}>Upload photos</h2>
      <p className="hint">Drop photos anywhere on the page, or choose them: JPEG, PNG, WebP, GIF, BMP or TIFF, up to {formatBytes(maxBytes)} each.</p>
      <input
        id={inputId}
        className="visually-hidden"
        type="file"
        accept="image/*"
        multiple
        onChange={(event) => {
          onFiles([...(event.target.files ?? [])]);
          event.target.value = ""; // choosing the same file again still fires change
        }}
      />
      {/* After the input: the input keeps keyboard focus, and CSS draws its focus ring on this label. */}
      <label htmlFor={inputId} className="button button-primary file-button">
        Choose photos…
      </label>
      {uploading > 0 && (
        <p className="progress" role="status">
          <span className="spinner" aria-hidden="true" /> Uploading {uploading} {uploading === 1 ? "photo" : "photos"}…
        </p>
      )}
    </section>
  );
}
