/** The upload limit used until the server states its own (the ingest service's MAX_UPLOAD_BYTES default). */
export const DEFAULT_MAX_UPLOAD_BYTES = 25 * 1024 * 1024;

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** Why a picked file cannot be uploaded, or null when it may be sent. The server checks the bytes again. */
export function fileProblem(file: File, maxBytes: number): string | null {
  if (!file.type.startsWith("image/")) {
    return `is not an image (${file.type || "unknown type"}); choose a photo (JPEG, PNG, WebP, GIF, BMP or TIFF)`;
  }
  if (file.size === 0) {
    return "is empty";
  }
  if (file.size > maxBytes) {
    return `is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}`;
  }
  return null;
}
