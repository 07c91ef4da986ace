import { useId } from "react";
import { findPreset, smallViews, type OutputOptions, type ServerPresets } from "../presets";
import type { Preset } from "../types";

/** A preset's rules as the hint under a picker lists them (the words `posecraft presets` prints). */
export function PresetRules({ preset, id }: { preset: Preset; id: string }) {
  return (
    <ul className="hint rules" id={id}>
      {preset.rules.map((rule) => (
        <li key={rule}>{rule}</li>
      ))}
    </ul>
  );
}

/** The enlarge box's label, the same beside upload and URLs and in the re-process dialog. */
export const ENLARGE_LABEL = "Enlarge small views to the preset's minimum (marked upscaled)";

function enlarging(preset: Preset | undefined): string {
  if (!preset) return "Only a preset with a minimum size enlarges views.";
  switch (smallViews(preset)) {
    case "flagged":
      return `${preset.title} flags views below its minimum; ticked, they are enlarged to it instead.`;
    case "enlarged":
      return `${preset.title} enlarges views below its minimum anyway.`;
    case "no minimum":
      return `${preset.title} has no minimum size: nothing is enlarged.`;
  }
}

/** What enlarging does under the chosen preset (undefined: not known yet, or each image's own), from its rules: a
 * preset with a minimum size flags smaller views or enlarges them itself; one without has nothing to enlarge. */
export function EnlargeHint({ preset, id }: { preset: Preset | undefined; id: string }) {
  return (
    <p className="hint" id={id}>
      {enlarging(preset)}
    </p>
  );
}

/** What the hint under the picker says for the choice: the chosen preset's rules, or what "Server default" means. */
function Rules({ presets, preset, id }: { presets: ServerPresets; preset: Preset | undefined; id: string }) {
  if (preset) return <PresetRules preset={preset} id={id} />;
  return (
    <p className="hint" id={id}>
      {presets.problem
        ? `The server's presets could not be read (${presets.problem}): the views follow its default preset.`
        : presets.list
          ? "the views as the server is set up to make them"
          : "Reading the server's presets…"}
    </p>
  );
}

/** The output preset (those the server knows, a team's own included), the cut-out and enlarging small views, for the
 * photos and URLs sent next. "Server default" sends no preset, so it is there before the list has come, and if it
 * never does. */
export function OutputOptionsPanel({
  options,
  presets,
  onChange,
}: {
  options: OutputOptions;
  presets: ServerPresets;
  onChange: (options: OutputOptions) => void;
}) {
  const id = useId();
  const serverDefault = findPreset(presets, presets.list?.default ?? "");
  const chosen = options.preset ? findPreset(presets, options.preset) : serverDefault; // what the server will follow
  return (
    <fieldset className="panel output-options">
      <legend>Output</legend>
      <label htmlFor={`${id}-preset`}>Preset</label>{" "}
      <select
        id={`${id}-preset`}
        aria-describedby={`${id}-rules`}
        value={options.preset}
        onChange={(event) => onChange({ ...options, preset: event.target.value })}
      >
        <option value="">{serverDefault ? `Server default (${serverDefault.title})` : "Server default"}</option>
        {presets.list?.items.map((preset) => (
          <option key={preset.name} value={preset.name}>
            {preset.title}
          </option>
        ))}
      </select>
      <Rules presets={presets} preset={chosen} id={`${id}-rules`} />
      <label className="checkbox">
        <input type="checkbox" checked={options.cutout} onChange={(event) => onChange({ ...options, cutout: event.target.checked })} />{" "}
        Also a cut-out (the person on transparency, PNG)
      </label>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={options.upscale}
          aria-describedby={`${id}-enlarge`}
          onChange={(event) => onChange({ ...options, upscale: event.target.checked })}
        />{" "}
        {ENLARGE_LABEL}
      </label>
      <EnlargeHint preset={chosen} id={`${id}-enlarge`} />
    </fieldset>
  );
}
