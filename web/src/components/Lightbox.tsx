import { useId, useRef, useState } from "react";
import { presetTitle, type ServerPresets } from "../presets";
import type { ImageRecord, Shot } from "../types";
import { CUTOUT, isDisplayable } from "../views";
import { useModalFocus } from "./modalFocus";

/** What the lightbox opens on: a record and which of its pictures to show first. */
export interface OpenImage {
  record: ImageRecord;
  /** A view's label ("neck", "cutout") or ORIGINAL. */
  shown: string;
}

export const ORIGINAL = "original";

/** One picture the lightbox can show: the original, or a view (with what the view says about itself). */
interface Picture {
  key: string;
  title: string;
  url: string;
  shot?: Shot;
}

function picturesOf(record: ImageRecord): Picture[] {
  const original: Picture[] = isDisplayable(record.url) ? [{ key: ORIGINAL, title: "Original", url: record.url }] : [];
  return [...original, ...record.shots.map((shot) => ({ key: shot.label, title: shot.title, url: shot.url, shot }))];
}

/** The image's name without its extension, as the views ZIP names its files (posecraft.catalogue.stem). */
function stem(name: string): string {
  const base = name.replace(/^\.+|\.+$/g, "").includes(".") ? name.slice(0, name.lastIndexOf(".")) : name;
  return base.replace(/[\\/:*?"<>|\u0000-\u001f\u007f]+/g, "_").replace(/^[ .]+|[ .]+$/g, "") || "image";
}

/** "look-cutout.png": like the entries of the views ZIP, `<name without extension>-<label>.<ext>`; the original is
 * `<name without extension>.<ext>`. The extension is the stored file's. */
export function downloadName(record: ImageRecord, picture: { key: string; url: string }): string {
  const extension = new URL(picture.url, window.location.href).pathname.match(/\.[a-z0-9]+$/i)?.[0] ?? "";
  const base = stem(record.name || `image-${record.id}`);
  return picture.key === ORIGINAL ? `${base}${extension}` : `${base}-${picture.key}${extension}`;
}

/** What a view says about itself, in words: how far it reaches, what was added, what of the preset it misses. */
function Caption({ record, picture, presets }: { record: ImageRecord; picture: Picture; presets: ServerPresets }) {
  const shot = picture.shot;
  if (!shot) return null;
  const facts = [
    shot.label === CUTOUT && "The background is transparent (shown as a checkerboard); the file is a PNG with alpha.",
    shot.padded &&
      (shot.label === CUTOUT
        ? "Padded: the frame goes past the photo's edge; that part is transparent."
        : "Padded: white fills the part past the photo's edge."),
    shot.upscaled && "Upscaled: written larger than the photo's own pixels, to reach the preset's minimum size.",
    shot.lowResolution && "Low resolution: the cut is smaller than a catalogue view should be.",
  ].filter((fact): fact is string => Boolean(fact));
  return (
    <div className="lightbox-caption">
      <p>
        Preset: <strong>{presetTitle(presets, record.preset)}</strong>
        {shot.notes.length === 0 && " — meets its rules"}
      </p>
      {shot.notes.length > 0 && (
        <ul className="notes" aria-label="What of the preset this view misses">
          {shot.notes.map((note) => (
            <li key={note}>{note}</li>
          ))}
        </ul>
      )}
      {facts.map((fact) => (
        <p key={fact}>{fact}</p>
      ))}
    </div>
  );
}

/** A record's pictures at full size over the page, one at a time (the original, each view, the cut-out), each with a
 * download; Esc, the close button or a click outside closes it. */
export function Lightbox({ image, presets, onClose }: { image: OpenImage; presets: ServerPresets; onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const [shown, setShown] = useState(image.shown);
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);
  const { record } = image;
  const pictures = picturesOf(record);
  const picture = pictures.find((candidate) => candidate.key === shown) ?? pictures[0];

  useModalFocus(dialog, () => closeButton.current, onClose);

  const titleId = useId();
  if (!picture) return null;
  const width = picture.shot?.width ?? natural?.width;
  const height = picture.shot?.height ?? natural?.height;
  return (
    <div className="lightbox-backdrop" onClick={onClose}>
      <div
        ref={dialog}
        className="lightbox"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        onClick={(event) => event.stopPropagation()}
      >
        <header className="lightbox-header">
          <h2 id={titleId}>
            {picture.title} · image #{record.id}
            {width && height ? <span className="lightbox-size">, {width} × {height} px</span> : null}
          </h2>
          <a className="button" href={picture.url} download={downloadName(record, picture)}>
            Download
          </a>
          <button ref={closeButton} type="button" className="button" onClick={onClose}>
            Close <kbd>Esc</kbd>
          </button>
        </header>
        {pictures.length > 1 && (
          <div className="lightbox-pictures" role="group" aria-label={`Pictures of image #${record.id}`}>
            {pictures.map((candidate) => (
              <button
                key={candidate.key}
                type="button"
                className="button button-small"
                aria-pressed={candidate.key === picture.key}
                onClick={() => {
                  setNatural(null);
                  setShown(candidate.key);
                }}
              >
                {candidate.title}
              </button>
            ))}
          </div>
        )}
        <img
          key={picture.key}
          className={picture.key === CUTOUT ? "lightbox-image checkerboard" : "lightbox-image"}
          src={picture.url}
          alt={`${picture.title} of image #${record.id}`}
          onLoad={(event) => setNatural({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
        />
        <Caption record={record} picture={picture} presets={presets} />
      </div>
    </div>
  );
}
