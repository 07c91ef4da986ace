// The output presets: what a submission may ask for, and the list the server knows (GET /api/presets: usePresets).
import type { Preset, PresetList } from "./types";

export interface OutputOptions {
  /** A preset's name; "" leaves the choice to the server (its DEFAULT_PRESET). */
  preset: string;
  /** Also the person cut out on transparency (a PNG); false leaves it to the server (its VIEW_CUTOUT). */
  cutout: boolean;
}

export const NO_OPTIONS: OutputOptions = { preset: "", cutout: false };

/** What a re-process asks for (POST /api/images/<id>/reprocess); a field left out keeps the image's own (the preset
 * and cut-out choice its record has). */
export interface ReprocessOptions {
  preset?: string;
  cutout?: boolean;
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
