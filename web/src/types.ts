// The shapes the API sends (docs/ARCHITECTURE.md: the record in MongoDB `images`, as the status service returns it).

export type Status = "pending" | "processed" | "failed";

export type ViewLabel = "neck" | "sleeve" | "zoom" | "waist" | "length" | "onwhite" | "cutout";

/** How far down the body the length view goes: a full-length view reaches the feet, a 3/4 shot's the thighs. */
export type Reach = "feet" | "knees" | "thighs" | "hips";

export interface Shot {
  label: ViewLabel;
  title: string;
  url: string;
  width: number;
  height: number;
  box: [number, number, number, number];
  lowResolution: boolean;
  /** The photo was too small for the view at its ratio: white fills the part past the photo's edge. */
  padded: boolean;
  /** The length view only (null for the others). */
  reach: Reach | null;
  /** Written larger than the photo's own pixels give, to reach the preset's minimum size (the preset or the
   * submission's `upscale` asks for that). */
  upscaled: boolean;
  /** What of the preset's rules the view misses, in words ("below Zalando's minimum 762 x 1100: ..."). */
  notes: string[];
}

export interface SkippedView {
  label: ViewLabel;
  title: string;
  reason: string;
}

export interface ImageRecord {
  id: number;
  /** The uploaded file's name, the URL's last path segment, or upload-<id>.<ext>. */
  name: string;
  url: string;
  status: Status;
  shots: Shot[];
  skipped: SkippedView[];
  people: number | null;
  /** Another person in the photo scored close to the one the views are of: a person should check them. */
  ambiguous: boolean;
  /** The output preset the views follow (a name GET /api/presets lists). */
  preset: string;
  /** A cut-out (the person on transparency, a PNG) is made too. */
  cutout: boolean;
  /** Views below the preset's minimum size are enlarged to it (marked `upscaled`) rather than flagged. */
  upscale: boolean;
  error: string | null;
  createdAt?: string;
  updatedAt?: string;
}

export type StatusCounts = Record<Status, number>;

/** One page of GET /api/images: newest first; `next` is the cursor of the following page (null: the last);
 * `counts` null when asked without them. */
export interface CataloguePage {
  items: ImageRecord[];
  next: string | null;
  counts: StatusCounts | null;
}

/** What GET /api/events sends as `data` of an `image` event. */
export type ImageEvent = ImageRecord | { id: number; deleted: true };

/** What POST /api/process and each item of POST /api/process-batch answer with. */
export interface Accepted {
  id: number;
  url: string;
  status: Status;
  duplicate: boolean;
}

export interface InvalidEntry {
  url: string;
  reason: string;
}

/** An output preset as GET /api/presets lists it: `rules` in the words `posecraft presets` prints. */
export interface Preset {
  name: string;
  title: string;
  rules: string[];
  /** The smallest width and height it accepts, and the shortest longest side; null: no such minimum. */
  minSize: [number, number] | null;
  minLongSide: number | null;
  /** It enlarges views below its minimum itself. */
  upscale: boolean;
}

/** GET /api/presets: every preset the server knows (a team's own too) and the one it uses when none is named. */
export interface PresetList {
  items: Preset[];
  default: string;
}
