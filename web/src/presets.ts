// The output presets: what a submission may ask for, and the list the server knows (GET /api/presets: usePresets).
import type { ImageRecord, Preset, PresetList } from "./types";

export interface OutputOptions {
  /** A preset's name; "" leaves the choice to the server (its DEFAULT_PRESET). */
  preset: string;
  /** Also the person cut out on transparency (a PNG); false leaves it to the server (its VIEW_CUTOUT). */
  cutout: boolean;
  /** Views below the preset's minimum size enlarged to it (marked upscaled) instead of flagged; false: not asked. */
  upscale: boolean;
}

export const NO_OPTIONS: OutputOptions = { preset: "", cutout: false, upscale: false };

/** What a re-process asks for (POST /api/images/<id>/reprocess); a field left out keeps the image's own (the preset
 * and cut-out and enlarging choices its record has). */
export interface ReprocessOptions {
  preset?: string;
  cutout?: boolean;
  upscale?: boolean;
}

/** The server's presets: `list` once read; `problem` says why they could not be read (the picker then offers the
 * server's default alone). */
export interface ServerPresets {
  list: PresetList | null;
  problem: string | null;
}

export const NO_PRESETS: ServerPresets = { list: null, problem: null };

/** The preset of that name, if the server listed it. */
export function findPreset(presets: ServerPresets, name: string): Preset | undefined {
  return presets.list?.items.find((preset) => preset.name === name);
}

/** What a record's preset is called: its title, or its name until (or unless) the server lists it. */
export const presetTitle = (presets: ServerPresets, name: string) => findPreset(presets, name)?.title ?? name;

/** What a record asks beyond its preset, as its row and the re-process dialog say it: " + cut-out + enlarged". */
export const madeWithExtras = ({ cutout, upscale }: Pick<ImageRecord, "cutout" | "upscale">) =>
  `${cutout ? " + cut-out" : ""}${upscale ? " + enlarged" : ""}`;

/** What a preset does with a view below its minimum size: flags it, enlarges it itself, or it has no minimum. */
export type SmallViews = "flagged" | "enlarged" | "no minimum";

export function smallViews(preset: Preset): SmallViews {
  if (!preset.minSize && !preset.minLongSide) return "no minimum";
  return preset.upscale ? "enlarged" : "flagged";
}
