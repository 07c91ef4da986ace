import { useEffect, useId, useRef, useState } from "react";

export interface OpenImage {
  url: string;
  /** What the image is: "Neck View", "Original". */
  label: string;
  /** Image id it belongs to, for the caption and the download file name. */
  imageId: number;
  width?: number;
  height?: number;
}

/** "posecraft-12-neck-view.jpg": the image id, the label, and the extension the stored file has. */
function downloadName(image: OpenImage): string {
  const extension = new URL(image.url, window.location.href).pathname.match(/\.[a-z0-9]+$/i)?.[0] ?? "";
  return `posecraft-${image.imageId}-${image.label.toLowerCase().replace(/\s+/g, "-")}${extension}`;
}

/** The image at full size over the page; Esc, the close button or a click outside closes it. */
export function Lightbox({ image, onClose }: { image: OpenImage; onClose: () => void }) {
  const dialog = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const [natural, setNatural] = useState<{ width: number; height: number } | null>(null);

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    closeButton.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") onClose();
      if (event.key === "Tab") keepFocusInside(event);
    };
    // Tab and Shift+Tab cycle through the dialog's own controls, never the page behind it.
    const keepFocusInside = (event: KeyboardEvent) => {
      const controls = dialog.current?.querySelectorAll<HTMLElement>("a[href], button") ?? [];
      if (controls.length === 0) return;
      const first = controls[0];
      const last = controls[controls.length - 1];
      const leaving = event.shiftKey ? document.activeElement === first : document.activeElement === last;
      if (leaving || !dialog.current?.contains(document.activeElement)) {
        event.preventDefault();
        (event.shiftKey ? last : first).focus();
      }
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
      opener?.focus();
    };
  }, [onClose]);

  const width = image.width ?? natural?.width;
  const height = image.height ?? natural?.height;
  const titleId = useId();
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
            {image.label} · image #{image.imageId}
            {width && height ? <span className="lightbox-size">, {width} × {height} px</span> : null}
          </h2>
          <a className="button" href={image.url} download={downloadName(image)}>
            Download
          </a>
          <button ref={closeButton} type="button" className="button" onClick={onClose}>
            Close <kbd>Esc</kbd>
          </button>
        </header>
        <img
          className="lightbox-image"
          src={image.url}
          alt={`${image.label} of image #${image.imageId}`}
          onLoad={(event) => setNatural({ width: event.currentTarget.naturalWidth, height: event.currentTarget.naturalHeight })}
        />
      </div>
    </div>
  );
}
