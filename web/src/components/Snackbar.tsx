import { useEffect } from "react";
import type { Notice } from "../messages";

/** Good news fades after a while; a problem stays until the user closes it (or the next notice replaces it). */
const INFO_VISIBLE_MS = 6000;

export function Snackbar({ notice, onClose }: { notice: Notice | null; onClose: () => void }) {
  useEffect(() => {
    if (notice?.severity !== "info") return;
    const timer = setTimeout(onClose, INFO_VISIBLE_MS);
    return () => clearTimeout(timer);
  }, [notice, onClose]);

  // The live region stays in the page so screen readers announce each new notice.
  return (
    <div className="snackbar-region" aria-live="polite">
      {notice && (
        <div className={`snackbar snackbar-${notice.severity}`} role={notice.severity === "error" ? "alert" : "status"}>
          <div className="snackbar-body">
            <p className="snackbar-text">{notice.text}</p>
            {notice.details.length > 0 && (
              <ul className="snackbar-details">
                {notice.details.map((line) => (
                  <li key={line}>{line}</li>
                ))}
              </ul>
            )}
          </div>
          <button type="button" className="snackbar-close" onClick={onClose} aria-label="Close message">
            ×
          </button>
        </div>
      )}
    </div>
  );
}
